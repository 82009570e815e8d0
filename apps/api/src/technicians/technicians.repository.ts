import type { Technician } from '#libs/domain';
import type { FieldlineEvent } from '#libs/events';

export interface TechnicianRow {
  technician_id: string;
  version: number;
  name: string;
  skills: string[];
  status: string;
  available: boolean;
  home_lat: number | null;
  home_lon: number | null;
  updated_at: Date;
}

export interface TechnicianListFilter {
  status?: string;
  available?: boolean;
  skill?: string;
  /** Name prefix, any case. */
  q?: string;
  limit: number;
  cursor?: string;
}

/** How a command's events change technicians_view: a new row, or changes to the technician's row. */
export type TechnicianViewWrite =
  | { insert: TechnicianRow & { tenant_id: string } }
  | { update: Pick<TechnicianRow, 'technician_id' | 'version' | 'skills' | 'status' | 'available' | 'updated_at'> & { tenant_id: string } };

/** technicians_view in step with the stream: built from the folded state, plus what only registration carries. */
export function technicianViewWrite(tenantId: string, technicianId: string, events: FieldlineEvent[], state: Technician, version: number): TechnicianViewWrite | undefined {
  if (state.status === 'initial') return undefined;
  const changes = {
    tenant_id: tenantId,
    technician_id: technicianId,
    version,
    skills: state.skills,
    status: state.status,
    available: state.status === 'on_shift' && state.available,
    updated_at: new Date(events.at(-1)!.occurredAt),
  };
  const registered = events.find((e) => e.type === 'technician.registered');
  if (!registered) return { update: changes };
  return { insert: { ...changes, name: registered.data.name, home_lat: registered.data.homeBase?.lat ?? null, home_lon: registered.data.homeBase?.lon ?? null } };
}

/** The technicians read model (the port; PostgreSQL and in-memory implementations). */
export abstract class TechniciansRepository {
  abstract find(tenantId: string, technicianId: string): Promise<TechnicianRow | undefined>;
  /** Sorted by name, keyset pages. */
  abstract list(tenantId: string, filter: TechnicianListFilter): Promise<{ rows: TechnicianRow[]; nextCursor: string | null }>;
  /** The read model's write for a command, in the event store's own form (AppendRequest.projection). */
  abstract projection(write: TechnicianViewWrite): unknown;
}
