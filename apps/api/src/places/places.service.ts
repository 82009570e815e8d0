import { Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { type Place, type PlaceCommand, type PlaceFamily, placeDecider } from '#libs/domain';
import { Clock, problem } from '#libs/platform';
import { DatabaseService } from '#libs/timescale';
import type { Principal } from '../auth/principal';
import { keysetPage, startsWith } from '../common/pagination';
import { commandContext } from '../common/request-context';
import { CommandHandler } from '#libs/event-store';
import type { Sql } from '#libs/timescale';
import type { CallInfo } from '../jobs/jobs.service';
import type { ListPlacesQuery } from './dto/places.dto';

interface PlaceRow {
  place_id: string;
  version: number;
  status: 'active' | 'retired';
  name: string;
  parent_id: string | null;
  data: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
}

// the columns the projection returns (named statements must not return `*`: see JOB_VIEW_COLUMNS)
const PLACE_COLUMNS = 'place_id, version, status, name, parent_id, data, created_at, updated_at';

const prefixes: Record<PlaceFamily, string> = { customer: 'cus', site: 'site', geofence: 'geo' };
/** The field of a record that names its parent, for the list filter. */
const parentField: Record<PlaceFamily, string | undefined> = { customer: undefined, site: 'customerId', geofence: 'siteId' };

const toView = (r: PlaceRow) => ({ id: r.place_id, version: r.version, status: r.status, ...r.data, createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString() });
export type PlaceView = ReturnType<typeof toView>;

/** Customers, sites and geofences: event-sourced like jobs, listed from places_view. */
@Injectable()
export class PlacesService {
  constructor(
    private readonly clock: Clock,
    private readonly handler: CommandHandler,
    private readonly db: DatabaseService,
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
      projection: (_events, place, version) => projection(family, principal.tenantId, placeId, place, version),
    });
    if (result.events.length === 0 && type === 'CreatePlace') throw problem(409, 'exists', 'Conflict', `${family} ${placeId} exists`);
    return result.projected ? toView(result.projected) : this.get(family, principal, placeId); // as this command left it
  }

  create(family: PlaceFamily, call: CallInfo, data: object) {
    return this.execute(family, call, `${prefixes[family]}_${uuidv7()}`, 'CreatePlace', data);
  }

  async get(family: PlaceFamily, principal: Principal, placeId: string): Promise<PlaceView> {
    const { rows } = await this.db.query<PlaceRow>('SELECT * FROM places_view WHERE tenant_id = $1 AND family = $2 AND place_id = $3', [
      principal.tenantId,
      family,
      placeId,
    ]);
    if (!rows[0]) throw problem(404, `${family}-not-found`, 'Not Found', `no ${family} ${placeId}`, { code: 'PLACE_NOT_FOUND' });
    return toView(rows[0]);
  }

  async list(family: PlaceFamily, principal: Principal, query: ListPlacesQuery) {
    const values: unknown[] = [principal.tenantId, family, query.status ?? 'active'];
    const where = ['tenant_id = $1', 'family = $2', 'status = $3'];
    if (query.parentId) where.push(`parent_id = $${values.push(query.parentId)}`);
    if (query.q) where.push(`lower(name) LIKE $${values.push(startsWith(query.q))}`);
    const { rows, nextCursor } = await keysetPage<PlaceRow>(this.db, {
      from: 'places_view',
      where,
      values,
      sortKey: query.sort === 'created_at' ? 'created_at::text' : 'lower(name)',
      idColumn: 'place_id',
      limit: query.limit ?? 50,
      cursor: query.cursor,
    });
    return { items: rows.map(toView), nextCursor };
  }
}

/** places_view in step with the stream, in the append's own statement. */
function projection(family: PlaceFamily, tenantId: string, placeId: string, place: Place, version: number): Sql | undefined {
  if (place.status === 'initial') return undefined;
  if (place.status === 'retired') {
    return {
      text: "UPDATE places_view SET status = 'retired', version = $4, updated_at = now() WHERE tenant_id = $1 AND family = $2 AND place_id = $3 RETURNING " + PLACE_COLUMNS,
      values: [tenantId, family, placeId, version],
    };
  }
  const data = place.data as Record<string, unknown>;
  const parent = parentField[family] ? ((data[parentField[family]!] as string | undefined) ?? null) : null;
  return {
    text: `INSERT INTO places_view (tenant_id, family, place_id, version, status, name, parent_id, data, created_at, updated_at)
       VALUES ($1, $2, $3, $4, 'active', $5, $6, $7, now(), now())
       ON CONFLICT (tenant_id, family, place_id) DO UPDATE SET version = EXCLUDED.version, name = EXCLUDED.name,
         parent_id = EXCLUDED.parent_id, data = EXCLUDED.data, updated_at = now()
       RETURNING ${PLACE_COLUMNS}`,
    values: [tenantId, family, placeId, version, data.name, parent, JSON.stringify(data)],
  };
}

/** DTO instances → plain data (the catalogue validates plain objects). */
const plain = (data: object) => JSON.parse(JSON.stringify(data)) as Record<string, unknown>;
