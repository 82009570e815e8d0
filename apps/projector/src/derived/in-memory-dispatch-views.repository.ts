import { DispatchViewsRepository, type EnRouteJob, type Fence, type OnShiftTechnician } from './dispatch-views.repository';

/** The twin for unit tests: the rows are set by the test; `geofenceReads` counts what reached the "table" past the projection's cache. */
export class InMemoryDispatchViewsRepository extends DispatchViewsRepository {
  readonly geofences = new Map<string, Fence[]>();
  readonly jobs: (EnRouteJob & { tenantId: string })[] = [];
  readonly onShift: OnShiftTechnician[] = [];
  geofenceReads = 0;

  async activeGeofences(tenantId: string): Promise<Fence[]> {
    this.geofenceReads++;
    return structuredClone(this.geofences.get(tenantId) ?? []);
  }

  async enRouteJobs(tenantId: string, technicianIds: string[]): Promise<EnRouteJob[]> {
    return this.jobs.filter((j) => j.tenantId === tenantId && technicianIds.includes(j.technicianId)).map(({ tenantId: _tenantId, ...job }) => ({ ...job }));
  }

  async techniciansOnShift(): Promise<OnShiftTechnician[]> {
    return this.onShift.map((t) => ({ ...t }));
  }
}
