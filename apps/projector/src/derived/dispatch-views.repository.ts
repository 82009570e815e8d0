import type { FenceShape } from '#libs/domain';

/** An active geofence; `siteId` when it is a site's fence (arrivals are detected at those). */
export interface Fence {
  geofenceId: string;
  siteId?: string;
  shape: FenceShape;
}

/** A job a technician is on their way to, with where it is (when known). */
export interface EnRouteJob {
  jobId: string;
  technicianId: string;
  siteId: string | null;
  lat: number | null;
  lon: number | null;
}

export interface OnShiftTechnician {
  tenantId: string;
  technicianId: string;
}

/**
 * What derived events read of the API's read tables (places_view, jobs_view, technicians_view):
 * the port, so the projection's logic runs against an in-memory twin in unit tests.
 */
export abstract class DispatchViewsRepository {
  /** The tenant's active geofences. */
  abstract activeGeofences(tenantId: string): Promise<Fence[]>;
  /** Jobs of these technicians that are en route. */
  abstract enRouteJobs(tenantId: string, technicianIds: string[]): Promise<EnRouteJob[]>;
  /** Every technician on shift, of every tenant. */
  abstract techniciansOnShift(): Promise<OnShiftTechnician[]>;
}
