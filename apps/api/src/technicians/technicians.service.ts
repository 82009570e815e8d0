import { Injectable } from '@nestjs/common';
import { newEventId as uuidv7 } from '#libs/events';
import { type TechnicianCommand, TechnicianError, technicianDecider } from '#libs/domain';
import { CommandHandler } from '#libs/event-store';
import { Clock } from '#libs/platform';
import type { Principal } from '../auth/principal';
import { commandContext } from '../common/request-context';
import type { CallInfo } from '../jobs/jobs.service';
import type { ListTechniciansQuery } from './dto/technicians.dto';
import { type TechnicianRow, TechniciansRepository, technicianViewWrite } from './technicians.repository';

export type TechnicianData<T extends TechnicianCommand['type']> = Extract<TechnicianCommand, { type: T }>['data'];

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
    private readonly technicians: TechniciansRepository,
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
      projection: (events, state, version) => {
        const write = technicianViewWrite(principal.tenantId, technicianId, events, state, version);
        return write && this.technicians.projection(write);
      },
    });
    return projected ? toView(projected) : this.get(principal, technicianId); // as this command left it
  }

  register(call: CallInfo, data: TechnicianData<'RegisterTechnician'> & { technicianId?: string }) {
    const { technicianId = `tech_${uuidv7()}`, ...rest } = data;
    return this.execute(call, technicianId, 'RegisterTechnician', rest);
  }

  async get(principal: Principal, technicianId: string): Promise<TechnicianView> {
    const row = await this.technicians.find(principal.tenantId, technicianId);
    if (!row) throw notFound(technicianId);
    return toView(row);
  }

  /** Sorted by name; filters by status, availability, skill and name prefix; keyset pages. */
  async list(principal: Principal, query: ListTechniciansQuery) {
    const { rows, nextCursor } = await this.technicians.list(principal.tenantId, {
      status: query.status,
      available: query.available === undefined ? undefined : query.available === 'true',
      skill: query.skill?.trim().toLowerCase(),
      q: query.q,
      limit: query.limit ?? 50,
      cursor: query.cursor,
    });
    return { items: rows.map(toView), nextCursor };
  }
}

const notFound = (id: string) => new TechnicianError('TECHNICIAN_NOT_FOUND', `no technician ${id}`);
