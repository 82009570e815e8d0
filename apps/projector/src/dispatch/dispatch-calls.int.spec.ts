import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { type FieldlineEvent } from '#libs/events';
import { liveKeys, LiveStateStore } from '#libs/live';
import { RedisService } from '#libs/redis';
import { DatabaseService } from '#libs/timescale';
import { event } from '../../../../test/support/events';
import { DispatchProjection } from './dispatch.projection';

// Call events in the feed, against the real Redis: each addressed by the event itself, so replaying
// the log (a rebuild, a second projector group) writes exactly what the first pass wrote.

const logger = pino({ level: 'silent' });
let redis: RedisService;
let db: DatabaseService;
let projection: DispatchProjection;

beforeAll(() => {
  redis = new RedisService({ url: process.env.REDIS_URL!, logger });
  db = new DatabaseService({ url: process.env.DATABASE_URL!, poolMax: 1, logger });
  projection = new DispatchProjection(new LiveStateStore(redis, { feedMaxLen: 1_000, feedMaxAgeMs: 86_400_000 }), db);
});
afterAll(async () => {
  await redis.onApplicationShutdown();
  await db.onApplicationShutdown();
});

const feed = async (tenantId: string) =>
  ((await redis.client.xrange(liveKeys(tenantId).feed, '-', '+')) as [string, string[]][]).map(([, f]) => {
    const m = new Map<string, string>();
    for (let i = 0; i < f.length; i += 2) m.set(f[i]!, f[i + 1]!);
    return `${m.get('t')}→${m.get('tech') ?? 'office'}`;
  });

it('addresses each call event to the invited technicians, the same on a replay', async () => {
  const tenantId = `tnt_calls_${randomUUID().slice(0, 8)}`;
  const callId = `call_${randomUUID()}`;
  const events: FieldlineEvent[] = [
    event('call.created', { callId, createdBy: 'u-disp', mode: 'audio', ptt: false, record: false, maxParticipants: 8 }, tenantId, callId),
    event('call.invited', { callId, technicianIds: ['tech-a', 'tech-b'], invitedBy: 'u-disp' }, tenantId, callId),
    event('call.joined', { callId, userId: 'u-a', technicianId: 'tech-a' }, tenantId, callId),
    event('call.declined', { callId, technicianId: 'tech-b', userId: 'u-b' }, tenantId, callId),
    event('call.ended', { callId, reason: 'hung up', durationMs: 5_000 }, tenantId, callId),
  ];
  await projection.apply(events);
  const first = await feed(tenantId);
  expect(first).toEqual([
    'call.created→office',
    'call.invited→tech-a',
    'call.invited→tech-b',
    'call.joined→tech-a',
    'call.declined→tech-b',
    'call.ended→tech-a',
    'call.ended→tech-b',
  ]);
  // the whole log again, and its start alone (a projector that had only seen the beginning)
  await projection.apply(events);
  await projection.apply(events.slice(0, 1));
  expect(await feed(tenantId)).toEqual(first);
  await redis.client.del(liveKeys(tenantId).feed, liveKeys(tenantId).calls);
});
