import { randomUUID } from 'node:crypto';
import { type FieldlineEvent, parseEvent, topics } from '#libs/events';
import { liveKeys } from '#libs/live';
import type { AppProcess } from '../../../test/support/app-process';
import { event, eventually, feedOf, fixEvent, type Harness, harness, produce, startProjector, uniqueTenant } from '../../../test/support/projector';

// Derived events and the dispatch board against the real stack: geofence hysteresis on a jittery
// track, the arrival hint and ETA for an en-route job, signal lost and restored, job board replays.

let h: Harness;
let projector: AppProcess;
const tenantId = uniqueTenant('derived');
const center = { lat: 52.52, lon: 13.405 };
/** A point `m` metres north of the fence center. */
const north = (m: number) => ({ lat: center.lat + m / 111_195, lon: center.lon });

beforeAll(async () => {
  h = await harness();
  await h.db.query(
    `INSERT INTO places_view (tenant_id, family, place_id, version, status, name, parent_id, data, created_at, updated_at)
     VALUES ($1, 'geofence', 'gf-yard', 1, 'active', 'Yard', 'site-1', $2, now(), now())`,
    [tenantId, JSON.stringify({ name: 'Yard', siteId: 'site-1', shape: { kind: 'circle', center, radiusM: 100 } })],
  );
  await h.db.query(
    `INSERT INTO jobs_view (tenant_id, job_id, version, status, title, site_id, lat, lon, priority, required_skills, technician_id, created_at, updated_at)
     VALUES ($1, 'job-1', 3, 'en_route', 'Boiler', 'site-1', $2, $3, 'normal', '{}', 'tech-g', now(), now())`,
    [tenantId, center.lat, center.lon],
  );
  await h.db.query(
    `INSERT INTO technicians_view (tenant_id, technician_id, version, name, skills, status, available, created_at, updated_at)
     VALUES ($1, 'tech-g', 3, 'Grace', '{}', 'on_shift', true, now(), now())`,
    [tenantId],
  );
  projector = await startProjector(`e2e-derived-${randomUUID().slice(0, 8)}`, { PROJECTOR_PROJECTIONS: 'derived,dispatch,presence', SIGNAL_LOST_AFTER_S: '10' });
}, 90_000);

afterAll(async () => {
  const problems = projector?.lines.filter((l) => /"level":(40|50|60)/.test(l)) ?? [];
  if (problems.length) console.warn(`projector warnings:\n${problems.slice(-20).join('\n')}`);
  await projector?.stop();
  await h?.close();
});

/** Every derived event of this tenant, read from the start of the topic until `enough` holds. */
async function derivedEvents(enough: (events: FieldlineEvent[]) => boolean): Promise<FieldlineEvent[]> {
  const consumer = h.kafka.consumer({ groupId: `e2e-derived-reader-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic: topics.derived.name, fromBeginning: true });
  const seen = new Map<string, FieldlineEvent>();
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`derived events so far: ${[...seen.values()].map((e) => e.type).join(', ')}`)), 60_000);
    void consumer.run({
      eachMessage: async ({ message }) => {
        const parsed = parseEvent(message.value!);
        if (parsed.ok && parsed.event.tenantId === tenantId) seen.set(parsed.event.id, parsed.event); // by id: repeats collapse
        if (enough([...seen.values()])) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  try {
    await done;
  } finally {
    await consumer.disconnect();
  }
  return [...seen.values()];
}

it('a track jittering at the fence boundary gives one enter and one exit; entering the site of an en-route job hints arrival; ETAs follow', async () => {
  const t0 = Date.now() - 3_600_000;
  const approach = [1_500, 1_200, 900, 600, 400, 250, 150, 110, 95, 108, 92, 105, 97];
  const inside = [60, 40, 30, 35, 45, 50, 40, 30, 35, 40, 45];
  const leave = [90, 104, 96, 110, 93, 115, 130, 160, 200, 300, 400, 500, 600, 700];
  const track = [...approach, ...inside, ...leave].map((m, i) => fixEvent(tenantId, 'tech-g', 'dev-g', i, new Date(t0 + i * 5_000), north(m).lat, north(m).lon, 8));
  await produce(h.producer, track);

  const events = await derivedEvents((all) => all.some((e) => e.type === 'tracking.geofence_exited') && all.some((e) => e.type === 'tracking.eta_updated'));
  const fences = events.filter((e) => e.type.startsWith('tracking.geofence_'));
  expect(fences.map((e) => e.type)).toEqual(['tracking.geofence_entered', 'tracking.geofence_exited']);
  expect(fences[0]!.data).toMatchObject({ subjectId: 'tech-g', geofenceId: 'gf-yard', siteId: 'site-1' });
  // dated when the technician was first clearly inside: the first fix 20 m within the boundary
  expect(fences[0]!.occurredAt).toBe(track[approach.length]!.occurredAt);

  const arrivals = events.filter((e) => e.type === 'tracking.arrival_detected');
  expect(arrivals.map((e) => e.data)).toEqual([{ subjectId: 'tech-g', jobId: 'job-1', siteId: 'site-1', geofenceId: 'gf-yard' }]);

  // an ETA per batch, from its newest fix: 700 m straight line × 1.3 detour at 8 m/s
  const etas = events.filter((e) => e.type === 'tracking.eta_updated').map((e) => e.data as { jobId: string; etaS: number });
  expect(etas.at(-1)).toMatchObject({ jobId: 'job-1', etaS: Math.round((700 * 1.3) / 8) });

  // the same alerts in the tenant's feed, once each: written after their events reached Kafka (events
  // first, then the state that records them), so they may land a moment after the reader above saw them
  const alerts = await eventually('the alerts in the feed', async () => {
    const all = (await feedOf(h.redis, tenantId)).filter((e) => e.kind === 'alert');
    return all.some((e) => e.type === 'tracking.geofence_exited') && all.some((e) => e.type === 'tracking.arrival_detected') ? all : undefined;
  }, 15_000);
  expect(alerts.filter((e) => e.type.startsWith('tracking.geofence_')).map((e) => e.type)).toEqual(['tracking.geofence_entered', 'tracking.geofence_exited']);
  expect(alerts.filter((e) => e.type === 'tracking.arrival_detected')).toHaveLength(1);
}, 120_000);

it('a technician on shift who stops reporting gets signal lost, and signal restored with the next fix', async () => {
  // the track above ended an hour ago: the sweep finds tech-g silent
  const lost = await derivedEvents((all) => all.some((e) => e.type === 'tracking.signal_lost'));
  expect(lost.filter((e) => e.type === 'tracking.signal_lost')).toHaveLength(1);

  await produce(h.producer, [fixEvent(tenantId, 'tech-g', 'dev-g', 1_000, new Date(), north(2_000).lat, north(2_000).lon)]);
  const restored = await derivedEvents((all) => all.some((e) => e.type === 'tracking.signal_restored'));
  expect(restored.find((e) => e.type === 'tracking.signal_restored')!.data).toMatchObject({ subjectId: 'tech-g' });
  const feed = (await feedOf(h.redis, tenantId)).filter((e) => e.type.startsWith('tracking.signal_'));
  expect(feed.map((e) => e.type)).toEqual(['tracking.signal_lost', 'tracking.signal_restored']);
}, 120_000);

it('keeps the live job board and technician status in stream order; a replayed stream changes nothing', async () => {
  const job = 'job-board-1';
  const tech = 'tech-board-1';
  const stream = [
    event('technician.registered', { name: 'Ada', skills: ['hvac'] }, tenantId, tech, { streamPosition: 1 }),
    event('technician.shift_started', {}, tenantId, tech, { streamPosition: 2 }),
    event('technician.availability_changed', { available: true }, tenantId, tech, { streamPosition: 3 }),
    event('job.created', { title: 'Fix the boiler', requiredSkills: ['hvac'], priority: 'high', siteId: 'site-1', location: center }, tenantId, job, { streamPosition: 1 }),
    event('job.assigned', { technicianId: tech }, tenantId, job, { streamPosition: 2 }),
    event('job.travel_started', { technicianId: tech }, tenantId, job, { streamPosition: 3 }),
  ];
  await produce(h.producer, stream);
  await produce(h.producer, stream); // the outbox relay may publish twice; so may a replay

  const board = await eventually('the job en route on the board', async () => {
    const raw = await h.redis.hget(liveKeys(tenantId).jobs, job);
    const entry = raw ? JSON.parse(raw) : undefined;
    return entry?.status === 'en_route' ? entry : undefined;
  });
  expect(board).toMatchObject({ jobId: job, version: 3, title: 'Fix the boiler', priority: 'high', technicianId: tech, siteId: 'site-1', location: center });
  const technician = await eventually('the technician available', async () => {
    const raw = await h.redis.hget(liveKeys(tenantId).technicians, tech);
    const entry = raw ? JSON.parse(raw) : undefined;
    return entry?.version === 3 ? entry : undefined;
  });
  expect(technician).toMatchObject({ technicianId: tech, version: 3, name: 'Ada', status: 'on_shift', available: true, skills: ['hvac'] });

  const feed = await feedOf(h.redis, tenantId);
  expect(feed.filter((e) => e.kind === 'job').map((e) => e.type)).toEqual(['job.created', 'job.assigned', 'job.travel_started']);
  expect(feed.filter((e) => e.kind === 'job').every((e, i) => i === 0 || e.technicianId === tech)).toBe(true);
  expect(feed.filter((e) => e.kind === 'technician')).toHaveLength(3);
}, 120_000);

it('keeps device presence with the technician it reports for; a replayed or late event never overrides a newer one', async () => {
  const deviceId = `dev-presence-${randomUUID().slice(0, 8)}`;
  await h.db.query(
    "INSERT INTO devices (device_id, tenant_id, kind, name, secret_hash, technician_id) VALUES ($1, $2, 'phone', 'p', 'x', 'tech-g')",
    [deviceId, tenantId],
  );
  const t0 = Date.now() - 60_000;
  const connected = event('presence.device_connected', { deviceId }, tenantId, deviceId, { occurredAt: new Date(t0).toISOString() });
  const disconnected = event('presence.device_disconnected', { deviceId, reason: 'keepalive timeout' }, tenantId, deviceId, { occurredAt: new Date(t0 + 30_000).toISOString() });
  const late = event('presence.device_connected', { deviceId }, tenantId, deviceId, { occurredAt: new Date(t0 + 10_000).toISOString() });
  await produce(h.producer, [connected, disconnected, connected, late]);

  const presence = await eventually('the device offline', async () => {
    const raw = await h.redis.hget(liveKeys(tenantId).presence, deviceId);
    return raw && JSON.parse(raw).state === 'offline' ? JSON.parse(raw) : undefined;
  });
  expect(presence).toMatchObject({ deviceId, state: 'offline', technicianId: 'tech-g', reason: 'keepalive timeout' });
  await new Promise((r) => setTimeout(r, 1_000)); // give the late event its chance to do harm
  expect(JSON.parse((await h.redis.hget(liveKeys(tenantId).presence, deviceId))!).state).toBe('offline');
  const entries = (await feedOf(h.redis, tenantId)).filter((e) => e.kind === 'presence' && e.subjectId === deviceId);
  expect(entries.map((e) => [e.type, e.technicianId])).toEqual([
    ['presence.device_connected', 'tech-g'],
    ['presence.device_disconnected', 'tech-g'],
  ]);
});
