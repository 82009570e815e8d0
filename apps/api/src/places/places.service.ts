import { Injectable } from '@nestjs/common';
import { newEventId as uuidv7 } from '#libs/events';
import { type PlaceCommand, PlaceError, type PlaceFamily, placeDecider } from '#libs/domain';
import { CommandHandler } from '#libs/event-store';
import { Clock } from '#libs/platform';
import type { Principal } from '../auth/principal';
import { commandContext } from '../common/request-context';
import type { CallInfo } from '../jobs/jobs.service';
import type { ListPlacesQuery } from './dto/places.dto';
import { type PlaceRow, PlacesRepository, placeViewWrite } from './places.repository';

const prefixes: Record<PlaceFamily, string> = { customer: 'cus', site: 'site', geofence: 'geo' };
const toView = (r: PlaceRow) => ({ id: r.place_id, version: r.version, status: r.status, ...r.data, createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString() });
export type PlaceView = ReturnType<typeof toView>;

/** Customers, sites and geofences: event-sourced like jobs, listed from places_view. */
@Injectable()
export class PlacesService {
  constructor(
    private readonly clock: Clock,
    private readonly handler: CommandHandler,
    private readonly places: PlacesRepository,
  ) {}

  async execute(family: PlaceFamily, call: CallInfo, placeId: string, type: PlaceCommand['type'], data: object): Promise<PlaceView> {
    const { principal } = call;
    if (type !== 'CreatePlace') await this.get(family, principal, placeId);
    const result = await this.handler.handle({
      tenantId: principal.tenantId,
      streamId: placeId,
      decider: placeDecider(family),
      command: { type, data: plain(data), context: commandContext(this.clock, principal, call.correlationId) } as PlaceCommand,
      expectedVersion: call.ifMatch,
      fresh: type === 'CreatePlace', // create() mints the id
      projection: (events, place, version) => {
        const write = placeViewWrite({ tenantId: principal.tenantId, family, placeId }, events, place, version);
        return write && this.places.projection(write);
      },
    });
    if (result.events.length === 0 && type === 'CreatePlace') throw new PlaceError('PLACE_ALREADY_EXISTS', `${family} ${placeId} exists`);
    return result.projected ? toView(result.projected) : this.get(family, principal, placeId); // as this command left it
  }

  create(family: PlaceFamily, call: CallInfo, data: object) {
    return this.execute(family, call, `${prefixes[family]}_${uuidv7()}`, 'CreatePlace', data);
  }

  async get(family: PlaceFamily, principal: Principal, placeId: string): Promise<PlaceView> {
    const row = await this.places.find({ tenantId: principal.tenantId, family, placeId });
    if (!row) throw new PlaceError('PLACE_NOT_FOUND', `no ${family} ${placeId}`);
    return toView(row);
  }

  async list(family: PlaceFamily, principal: Principal, query: ListPlacesQuery) {
    const { rows, nextCursor } = await this.places.list(principal.tenantId, family, {
      status: query.status ?? 'active',
      parentId: query.parentId,
      q: query.q,
      sort: query.sort === 'created_at' ? 'created_at' : 'name',
      limit: query.limit ?? 50,
      cursor: query.cursor,
    });
    return { items: rows.map(toView), nextCursor };
  }
}

/** DTO instances → plain data (the catalogue validates plain objects). */
const plain = (data: object) => JSON.parse(JSON.stringify(data)) as Record<string, unknown>;
