import { Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { type Technician, type TechnicianCommand, technicianDecider } from '#libs/domain';
import type { FieldlineEvent } from '#libs/events';
import { Clock, problem } from '#libs/platform';
import { DatabaseService } from '#libs/timescale';
import type { Principal } from '../auth/principal';
import { keysetPage, startsWith } from '../common/pagination';
import { commandContext } from '../common/request-context';
import { CommandHandler } from '#libs/event-store';
import type { Sql } from '#libs/timescale';
import type { CallInfo } from '../jobs/jobs.service';
import type { ListTechniciansQuery } from './dto/technicians.dto';

export type TechnicianData<T extends TechnicianCommand['type']> = Extract<TechnicianCommand, { type: T }>['data'];

interface TechnicianRow {
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

// the columns the projection returns (named statements must not return `*`: see JOB_VIEW_COLUMNS)
const TECHNICIAN_COLUMNS = 'technician_id, version, name, skills, status, available, home_lat, home_lon, updated_at';

const toView = (r: TechnicianRow) => ({
  id: r.technician_id,
  version: r.version,
  name: r.name,
  skills: r.skills,
  status: r.status,
  available: r.available,
  ...(r.home_lat !== null && r.home_lon !== null ? { homeBase: { lat: r.home_lat, lon: r.home_lon } } : {}),
  updatedAt: r.updated_at.toISOString(),
});
export type TechnicianView = ReturnType<typeof toView>;

@Injectable()
export class TechniciansService {
  constructor(
    private readonly clock: Clock,
    private readonly handler: CommandHandler,
    private readonly db: DatabaseService,
  ) {}

  async execute<T extends TechnicianCommand['type']>(call: CallInfo, technicianId: string, type: T, data: TechnicianData<T>): Promise<TechnicianView> {
    const { principal } = call;
    // Technicians run their own shift and availability, nobody else's.
    if (principal.role === 'technician' && principal.technicianId !== technicianId) throw notFound(technicianId);
    const { projected } = await this.handler.handle({
      tenantId: principal.tenantId,
      streamId: technicianId,
      decider: technicianDecider,
      command: { type, data, context: commandContext(this.clock, principal, call.correlationId) } as TechnicianCommand,
      expectedVersion: call.ifMatch,
      projection: (events, state, version) => projection(principal.tenantId, technicianId, events, state, version),
    });
    return projected ? toView(projected) : this.get(principal, technicianId); // as this command left it
  }

  register(call: CallInfo, data: TechnicianData<'RegisterTechnician'> & { technicianId?: string }) {
    const { technicianId = `tech_${uuidv7()}`, ...rest } = data;
    return this.execute(call, technicianId, 'RegisterTechnician', rest);
  }

  async get(principal: Principal, technicianId: string): Promise<TechnicianView> {
    const { rows } = await this.db.query<TechnicianRow>('SELECT * FROM technicians_view WHERE tenant_id = $1 AND technician_id = $2', [
      principal.tenantId,
      technicianId,
    ]);
    if (!rows[0]) throw notFound(technicianId);
    return toView(rows[0]);
  }

  /** Sorted by name; filters by status, availability, skill and name prefix; keyset pages. */
  async list(principal: Principal, query: ListTechniciansQuery) {
    const values: unknown[] = [principal.tenantId];
    const where = ['tenant_id = $1'];
    if (query.status) where.push(`status = $${values.push(query.status)}`);
    if (query.available) where.push(`available = $${values.push(query.available === 'true')}`);
    if (query.skill) where.push(`$${values.push(query.skill.trim().toLowerCase())} = ANY(skills)`);
    if (query.q) where.push(`lower(name) LIKE $${values.push(startsWith(query.q))}`);
    const { rows, nextCursor } = await keysetPage<TechnicianRow>(this.db, {
      from: 'technicians_view',
      where,
      values,
      sortKey: 'lower(name)',
      idColumn: 'technician_id',
      limit: query.limit ?? 50,
      cursor: query.cursor,
    });
    return { items: rows.map(toView), nextCursor };
  }
}

const notFound = (id: string) => problem(404, 'technician-not-found', 'Not Found', `no technician ${id}`, { code: 'TECHNICIAN_NOT_FOUND' });

/** technicians_view in step with the stream, in the append's own statement. */
function projection(tenantId: string, technicianId: string, events: FieldlineEvent[], state: Technician, version: number): Sql | undefined {
  if (state.status === 'initial') return undefined;
  const at = events.at(-1)!.occurredAt;
  const available = state.status === 'on_shift' && state.available;
  const registered = events.find((e) => e.type === 'technician.registered');
  if (registered) {
    return {
      text: `INSERT INTO technicians_view (tenant_id, technician_id, version, name, skills, status, available, home_lat, home_lon, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING ${TECHNICIAN_COLUMNS}`,
      values: [tenantId, technicianId, version, registered.data.name, state.skills, state.status, available, registered.data.homeBase?.lat ?? null, registered.data.homeBase?.lon ?? null, at],
    };
  }
  return {
    text: `UPDATE technicians_view SET version = $3, skills = $4, status = $5, available = $6, updated_at = $7 WHERE tenant_id = $1 AND technician_id = $2 RETURNING ${TECHNICIAN_COLUMNS}`,
    values: [tenantId, technicianId, version, state.skills, state.status, available, at],
  };
}
