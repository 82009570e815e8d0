import type { FieldlineEvent } from '#libs/events';
import { ManualClock } from '#libs/platform';
import { event, fixEvent } from '../../../../test/support/events';
import { DerivedEventsPublisher } from './derived-events.publisher';
import type { DerivedOptions } from './derived.options';
import { DerivedProjection } from './derived.projection';
import { InMemoryDerivedEventsPublisher } from './in-memory-derived-events.publisher';
import { InMemoryDispatchViewsRepository } from './in-memory-dispatch-views.repository';
import { InMemoryTrackingStateStore } from './in-memory-tracking-state.store';

// Derived events from their logic alone: given fixes (and what the read tables and the live state
// hold), which events are published and what is written. The e2e spec runs the same against the stack.

const options: DerivedOptions = {
  fence: { marginM: 20, dwellMs: 20_000, maxAccuracyM: 100 },
  eta: { minSpeedMps: 4, detourFactor: 1.3 },
  signalLostAfterMs: 300_000,
  fenceCacheMs: 30_000,
};

const tenantId = 'tnt_unit';
const center = { lat: 52.52, lon: 13.405 };
/** A point `m` metres north of the fence center (and of the job's site). */
const north = (m: number) => ({ lat: center.lat + m / 111_195, lon: center.lon });

function setup(start = '2026-03-10T09:00:00.000Z') {
  const views = new InMemoryDispatchViewsRepository();
  const state = new InMemoryTrackingStateStore();
  const publisher = new InMemoryDerivedEventsPublisher();
  const clock = new ManualClock(new Date(start));
  const projection = new DerivedProjection(views, state, publisher, clock, options);
  return { views, state, publisher, clock, projection };
}

/** Fixes of `tech-1` every 5 s from `t0`, at these distances north of the center. */
const track = (t0: string, distancesM: number[], speedMps = 8) =>
  distancesM.map((m, i) => fixEvent(tenantId, 'tech-1', 'dev-1', i, new Date(Date.parse(t0) + i * 5_000), north(m).lat, north(m).lon, speedMps));

const ofType = (events: FieldlineEvent[], type: string) => events.filter((e) => e.type === type);

async function applyInBatches(projection: DerivedProjection, events: FieldlineEvent[], size: number): Promise<void> {
  for (let i = 0; i < events.length; i += size) await projection.apply(events.slice(i, i + size));
}

describe('geofences', () => {
  const t0 = '2026-03-10T08:00:00.000Z';
  // Outside, jitter at the boundary (95…108 m is neither side with a 20 m margin), inside, jitter, out.
  const distances = [1_500, 900, 400, 150, 95, 108, 92, 105, 60, 40, 30, 35, 45, 50, 90, 104, 96, 130, 160, 200, 300, 400, 500];
  const firstInside = distances.indexOf(60);
  const firstOutside = distances.indexOf(130);

  function withYard() {
    const given = setup();
    given.views.geofences.set(tenantId, [{ geofenceId: 'gf-yard', siteId: 'site-1', shape: { kind: 'circle', center, radiusM: 100 } }]);
    given.views.jobs.push({ tenantId, jobId: 'job-1', technicianId: 'tech-1', siteId: 'site-1', lat: center.lat, lon: center.lon });
    return given;
  }

  it('a track jittering at the boundary enters and exits once, at the first clear fix of each side; entering a job site hints arrival', async () => {
    const { projection, publisher } = withYard();
    const fixes = track(t0, distances);
    await applyInBatches(projection, fixes, 4);

    const entered = ofType(publisher.published, 'tracking.geofence_entered');
    const exited = ofType(publisher.published, 'tracking.geofence_exited');
    const arrived = ofType(publisher.published, 'tracking.arrival_detected');
    expect(entered.map((e) => [e.occurredAt, e.data])).toEqual([
      // Since the first fix clearly inside; where the fix that confirmed it (the dwell's end) was.
      [fixes[firstInside]!.occurredAt, { subjectId: 'tech-1', geofenceId: 'gf-yard', siteId: 'site-1', position: north(distances[firstInside + 4]!) }],
    ]);
    expect(exited.map((e) => e.occurredAt)).toEqual([fixes[firstOutside]!.occurredAt]);
    expect(arrived.map((e) => [e.occurredAt, e.data])).toEqual([[fixes[firstInside]!.occurredAt, { subjectId: 'tech-1', jobId: 'job-1', siteId: 'site-1', geofenceId: 'gf-yard' }]]);
    expect(entered[0]!.causationId).toBe(fixes[firstInside + 4]!.id);
    expect(entered[0]!).toMatchObject({ tenantId, streamId: 'tech-1', actor: { kind: 'system', id: 'projector' } });
  });

  it('every event goes to the feed as an alert of its technician, and the state records the last fix', async () => {
    const { projection, publisher, state } = withYard();
    const fixes = track(t0, distances);
    await applyInBatches(projection, fixes, 4);

    expect(state.feed.map((f) => f.type)).toEqual(publisher.published.map((e) => e.type));
    expect(state.feed.every((f) => f.kind === 'alert' && f.subjectId === 'tech-1' && f.technicianId === 'tech-1' && f.tenantId === tenantId)).toBe(true);
    expect(state.feed.map((f) => (f.data as { id: string }).id)).toEqual(publisher.published.map((e) => e.id));
    const doc = state.tracking.get(`${tenantId}|tech-1`)!;
    expect(doc.version).toBe(Date.parse(fixes.at(-1)!.occurredAt));
    expect(doc.fences['gf-yard']).toMatchObject({ inside: false });
  });

  it('a replay (after a crash, or a second projector) publishes and writes nothing', async () => {
    const { projection, publisher, state } = withYard();
    const fixes = track(t0, distances);
    await applyInBatches(projection, fixes, 4);
    const published = publisher.published.length;
    const feed = state.feed.length;

    await applyInBatches(projection, fixes, 7);
    expect(publisher.published).toHaveLength(published);
    expect(state.feed).toHaveLength(feed);
  });

  it('events go out before the state that records them: when publishing fails nothing is written, and the retry sends the same ids', async () => {
    const { views, state, clock } = withYard();
    class UnreachableBroker extends DerivedEventsPublisher {
      async publish(): Promise<void> {
        throw new Error('broker unreachable');
      }
    }
    const failing = new DerivedProjection(views, state, new UnreachableBroker(), clock, options);
    const fixes = track(t0, distances);
    await expect(failing.apply(fixes)).rejects.toThrow('broker unreachable');
    expect(state.tracking.size).toBe(0);
    expect(state.feed).toHaveLength(0);

    const first = setup();
    first.views.geofences.set(tenantId, views.geofences.get(tenantId)!);
    first.views.jobs.push(...views.jobs);
    await first.projection.apply(fixes);
    const retry = new InMemoryDerivedEventsPublisher();
    await new DerivedProjection(views, state, retry, clock, options).apply(fixes);
    expect(retry.published.map((e) => e.id)).toEqual(first.publisher.published.map((e) => e.id));
    expect(state.feed.length).toBe(retry.published.length);
  });

  it('a fix older than the one folded in is late: it moves nothing', async () => {
    const { projection, publisher, state } = withYard();
    const fixes = track(t0, distances);
    await projection.apply(fixes.slice(0, firstInside + 5)); // entered
    const before = structuredClone(state.tracking.get(`${tenantId}|tech-1`));
    const late = fixEvent(tenantId, 'tech-1', 'dev-1', 99, new Date(Date.parse(fixes[3]!.occurredAt) + 1_000), north(500).lat, north(500).lon, 8);
    await projection.apply([late]);
    expect(state.tracking.get(`${tenantId}|tech-1`)).toEqual(before);
    expect(ofType(publisher.published, 'tracking.geofence_exited')).toHaveLength(0);
  });

  it('re-reads geofences when the cache is older than fenceCacheMs by the clock, and at once when a geofence changes', async () => {
    const { projection, views, clock, publisher } = withYard();
    const fixes = track(t0, [1_500, 1_400, 1_300, 1_200, 1_100]);
    await projection.apply([fixes[0]!]);
    expect(views.geofenceReads).toBe(1);
    clock.advance(29_999);
    await projection.apply([fixes[1]!]);
    expect(views.geofenceReads).toBe(1);
    clock.advance(1);
    await projection.apply([fixes[2]!]);
    expect(views.geofenceReads).toBe(2);

    // A new fence around the technician: unseen until the change event drops the cache.
    views.geofences.get(tenantId)!.push({ geofenceId: 'gf-road', shape: { kind: 'circle', center: north(1_000), radiusM: 500 } });
    const changed = event('geofence.created', { name: 'Road', shape: { kind: 'circle', center: north(1_000), radiusM: 500 } }, tenantId, 'gf-road');
    await projection.apply([changed, fixes[3]!]);
    expect(views.geofenceReads).toBe(3);
    await projection.apply([fixes[4]!]);
    expect(views.geofenceReads).toBe(3);
    // Inside the new fence for 5 s so far: pending, not entered (the dwell is 20 s).
    expect(ofType(publisher.published, 'tracking.geofence_entered')).toHaveLength(0);
  });
});

describe('ETAs', () => {
  it('tells an ETA for each en-route job, again only when it moved by a minute and a tenth; arriveBy runs past midnight and the month end', async () => {
    const { projection, publisher, views, state } = setup();
    views.jobs.push({ tenantId, jobId: 'job-1', technicianId: 'tech-1', siteId: 'site-1', lat: center.lat, lon: center.lon });
    views.jobs.push({ tenantId, jobId: 'job-nowhere', technicianId: 'tech-1', siteId: null, lat: null, lon: null });
    // 6 km out at 10 m/s, ten minutes before midnight on the last day of January.
    const [first, second, third] = track('2026-01-31T23:50:00.000Z', [6_000, 5_960, 3_000], 10);

    await projection.apply([first!]);
    const [eta] = ofType(publisher.published, 'tracking.eta_updated');
    // 6 km × 1.3 detour / 10 m/s.
    expect(eta!.data).toEqual({ subjectId: 'tech-1', jobId: 'job-1', etaS: 780, distanceM: 7_800, arriveBy: '2026-02-01T00:03:00.000Z' });
    expect(eta!.occurredAt).toBe('2026-01-31T23:50:00.000Z');

    await projection.apply([second!]); // 5 s less: not worth telling
    expect(ofType(publisher.published, 'tracking.eta_updated')).toHaveLength(1);
    expect(state.tracking.get(`${tenantId}|tech-1`)!.etas).toEqual({ 'job-1': 780 });

    await projection.apply([third!]);
    const etas = ofType(publisher.published, 'tracking.eta_updated');
    expect(etas).toHaveLength(2);
    expect(etas[1]!.data).toMatchObject({ jobId: 'job-1', etaS: 390, arriveBy: '2026-01-31T23:56:40.000Z' });
  });

  it('a job no longer en route drops out of the state, and is told afresh when it is en route again', async () => {
    const { projection, publisher, views, state } = setup();
    const job = { tenantId, jobId: 'job-1', technicianId: 'tech-1', siteId: 'site-1', lat: center.lat, lon: center.lon };
    views.jobs.push(job);
    const fixes = track('2026-03-10T08:00:00.000Z', [6_000, 5_990, 5_980], 10);
    await projection.apply([fixes[0]!]);
    views.jobs.length = 0;
    await projection.apply([fixes[1]!]);
    expect(state.tracking.get(`${tenantId}|tech-1`)!.etas).toEqual({});
    views.jobs.push(job);
    await projection.apply([fixes[2]!]);
    expect(ofType(publisher.published, 'tracking.eta_updated').map((e) => e.occurredAt)).toEqual([fixes[0]!.occurredAt, fixes[2]!.occurredAt]);
  });
});

describe('signal lost and restored', () => {
  // The last fix four minutes before midnight on the last day of February (2026: no leap day).
  const lastFix = '2026-02-28T23:56:00.000Z';

  async function silentTechnician(clockAt: string) {
    const given = setup(clockAt);
    given.views.onShift.push({ tenantId, technicianId: 'tech-1' }, { tenantId, technicianId: 'tech-idle' });
    await given.projection.apply(track(lastFix, [500]));
    return given;
  }

  it('is lost once the clock is signalLostAfterMs past the last fix, across midnight and the month end, and only once per last fix', async () => {
    const { projection, publisher, state, clock } = await silentTechnician('2026-03-01T00:00:59.999Z');
    expect(await projection.sweepSignals()).toBe(0); // 4 min 59.999 s of silence
    expect(publisher.published).toHaveLength(0);

    clock.advance(1);
    expect(await projection.sweepSignals()).toBe(1);
    const [lost] = publisher.published;
    expect(lost).toMatchObject({ type: 'tracking.signal_lost', occurredAt: lastFix, recordedAt: '2026-03-01T00:01:00.000Z', data: { subjectId: 'tech-1', lastFixAt: lastFix } });
    expect(state.signals.get(`${tenantId}|tech-1`)).toEqual({ version: Date.parse(lastFix), lost: true });
    expect(state.feed.map((f) => f.type)).toEqual(['tracking.signal_lost']);

    clock.advance(3_600_000);
    expect(await projection.sweepSignals()).toBe(0);
    expect(publisher.published).toHaveLength(1);
  });

  it('a fix after the loss restores the signal, saying how long it was silent; a new silence is lost again', async () => {
    const { projection, publisher, state, clock } = await silentTechnician('2026-03-01T00:05:00.000Z');
    await projection.sweepSignals();
    const back = fixEvent(tenantId, 'tech-1', 'dev-1', 1, new Date('2026-03-01T00:10:30.000Z'), north(400).lat, north(400).lon);
    await projection.apply([back]);

    const restored = ofType(publisher.published, 'tracking.signal_restored');
    expect(restored.map((e) => e.data)).toEqual([{ subjectId: 'tech-1', silentForS: 870 }]);
    expect(restored[0]!.causationId).toBe(back.id);
    expect(state.signals.get(`${tenantId}|tech-1`)).toEqual({ version: Date.parse(back.occurredAt), lost: false });

    // Silent again after a later fix: lost again, about that fix.
    const later = fixEvent(tenantId, 'tech-1', 'dev-1', 2, new Date('2026-03-01T00:11:00.000Z'), north(300).lat, north(300).lon);
    await projection.apply([later]);
    clock.advance(10 * 60_000 + 59_999); // 00:15:59.999, 4 min 59.999 s after it
    expect(await projection.sweepSignals()).toBe(0);
    clock.advance(1);
    expect(await projection.sweepSignals()).toBe(1);
    expect(ofType(publisher.published, 'tracking.signal_lost').map((e) => e.data)).toEqual([
      { subjectId: 'tech-1', lastFixAt: lastFix },
      { subjectId: 'tech-1', lastFixAt: later.occurredAt },
    ]);
  });

  it('a technician never tracked, or off shift, is not swept', async () => {
    const { projection, publisher, views } = await silentTechnician('2026-03-01T06:00:00.000Z');
    views.onShift.splice(0, 1); // tech-1 went off shift; tech-idle never sent a fix
    expect(await projection.sweepSignals()).toBe(0);
    expect(publisher.published).toHaveLength(0);
  });
});
