import type { FeedEntry } from '#libs/live';
import { ManualClock, ProblemError, problem, toProblem } from '#libs/platform';
import type { Principal } from '../auth/principal';
import type { HistoryEvent } from './daily-summary';
import { InMemoryTrackingRepository } from './in-memory-tracking.repository';
import { TrackingError } from './tracking.errors';
import { type LiveReads, TrackingService } from './tracking.service';

const TENANT = 'tnt_a';
const dispatcher: Principal = { tenantId: TENANT, kind: 'user', id: 'usr_d', role: 'dispatcher' };
const technician = (technicianId: string): Principal => ({ tenantId: TENANT, kind: 'user', id: `usr_${technicianId}`, role: 'technician', technicianId });
const ev = (streamId: string, type: string, at: string, data: Record<string, unknown> = {}): HistoryEvent => ({ streamId, type, occurredAt: new Date(at), data });
const fix = (time: string, extra: { speedMps?: number; segmentM?: number; lat?: number } = {}) => ({ technicianId: 'tec_1', time: new Date(time), lat: extra.lat ?? 52.5, lon: 13.4, ...extra });

/** Live state as a hand-written table (nothing of Redis): positions near a point, boards, a feed. */
class LiveTable implements LiveReads {
  nearby: { subjectId: string; distanceM: number }[] = [];
  held: Awaited<ReturnType<LiveReads['positions']>> = [];
  feed: Awaited<ReturnType<LiveReads['readFeed']>> = { gap: false, entries: [] };
  async near() {
    return this.nearby;
  }
  async positions(_tenantId: string, ids?: string[]) {
    return this.held.filter((p) => !ids || ids.includes(p.subjectId));
  }
  async snapshot<T>(): Promise<{ feedId: string; items: T[] }> {
    return { feedId: '0-0', items: [] };
  }
  async readFeed() {
    return this.feed;
  }
}

function setup(now: string) {
  const clock = new ManualClock(new Date(now));
  const repository = new InMemoryTrackingRepository().addTechnician(TENANT, { technicianId: 'tec_1', skills: ['hvac'] }).addTechnician(TENANT, { technicianId: 'tec_2' });
  const live = new LiveTable();
  const service = new TrackingService(clock, repository, live, { eta: { minSpeedMps: 5, detourFactor: 1 } });
  return { clock, repository, live, service };
}

describe('daily summary', () => {
  // Evening UTC on the last day of January: the day so far, shifts and visits that span midnight.
  const { service, repository } = setup('2031-01-31T21:30:00Z');
  repository
    .addEvents(
      TENANT,
      ev('tec_1', 'technician.shift_started', '2031-01-30T22:00:00Z'),
      ev('tec_1', 'technician.shift_ended', '2031-01-31T02:00:00Z'),
      ev('tec_1', 'technician.shift_started', '2031-01-31T18:00:00Z'),
      // A visit over midnight, one still going on, and one begun more than two days before (not read).
      ev('job_b', 'job.arrived', '2031-01-30T23:00:00Z', { technicianId: 'tec_1' }),
      ev('job_b', 'job.completed', '2031-01-31T01:00:00Z', { technicianId: 'tec_1' }),
      ev('job_a', 'job.arrived', '2031-01-31T20:00:00Z', { technicianId: 'tec_1' }),
      ev('job_old', 'job.arrived', '2031-01-28T23:59:00Z', { technicianId: 'tec_1' }),
    )
    .addFixes(
      TENANT,
      fix('2031-01-30T23:59:59Z', { speedMps: 30, segmentM: 1000 }),
      fix('2031-01-31T08:00:00Z', { speedMps: 12.5, segmentM: 400.4 }),
      fix('2031-01-31T23:59:59Z', { speedMps: 3, segmentM: 100.3 }),
      fix('2031-02-01T00:00:00Z', { speedMps: 40, segmentM: 5000 }),
    );

  it('counts the day so far: shift and visits clipped at midnight, the open ones running until now', async () => {
    expect(await service.summary(dispatcher, 'tec_1', '2031-01-31')).toEqual({
      technicianId: 'tec_1',
      date: '2031-01-31',
      points: 2,
      distanceM: 501,
      maxSpeedMps: 12.5,
      onShiftSeconds: (2 + 3.5) * 3600,
      onSiteSeconds: 3600 + 5400,
      visits: [
        { jobId: 'job_b', arrivedAt: '2031-01-30T23:00:00.000Z', leftAt: '2031-01-31T01:00:00.000Z', seconds: 3600 },
        { jobId: 'job_a', arrivedAt: '2031-01-31T20:00:00.000Z', leftAt: null, seconds: 5400 },
      ],
    });
  });

  it('gives the next month, which has not begun, its fixes but no time yet', async () => {
    expect(await service.summary(dispatcher, 'tec_1', '2031-02-01')).toMatchObject({ points: 1, distanceM: 5000, maxSpeedMps: 40, onShiftSeconds: 0, onSiteSeconds: 0, visits: [] });
  });

  it('refuses a day the calendar does not have', async () => {
    await expect(service.summary(dispatcher, 'tec_1', '2031-02-29')).rejects.toEqual(TrackingError.invalidDate('2031-02-29'));
  });

  it('shows a technician only their own day, and nobody another tenant’s technician', async () => {
    await expect(service.summary(technician('tec_2'), 'tec_1', '2031-01-31')).rejects.toMatchObject({ code: 'TECHNICIAN_NOT_FOUND', kind: 'not_found' });
    await expect(service.summary({ ...dispatcher, tenantId: 'tnt_b' }, 'tec_1', '2031-01-31')).rejects.toMatchObject({ code: 'TECHNICIAN_NOT_FOUND' });
    expect((await service.summary(technician('tec_1'), 'tec_1', '2031-01-31')).onShiftSeconds).toBe(5.5 * 3600);
  });
});

describe('track', () => {
  const { service, repository } = setup('2031-05-04T23:00:00Z');
  repository.addFixes(TENANT, ...Array.from({ length: 6 }, (_, i) => fix(`2031-05-04T10:0${i}:00Z`, { speedMps: 10 - i, lat: 50 + i })));

  it('answers the fixes of a half-open range in time order', async () => {
    const track = await service.track(dispatcher, 'tec_1', '2031-05-04T10:01:00Z', '2031-05-04T10:04:00Z', 100);
    expect(track.bucketSeconds).toBeNull();
    expect(track.points.map((p) => p.time)).toEqual(['2031-05-04T10:01:00.000Z', '2031-05-04T10:02:00.000Z', '2031-05-04T10:03:00.000Z']);
  });

  it('downsamples above maxPoints: the last fix of each bucket, with the bucket’s top speed', async () => {
    const track = await service.track(dispatcher, 'tec_1', '2031-05-04T10:00:00Z', '2031-05-04T10:06:00Z', 3);
    expect(track.bucketSeconds).toBe(120);
    expect(track.points.map((p) => [p.time, p.lat, p.speedMps])).toEqual([
      ['2031-05-04T10:01:00.000Z', 51, 10],
      ['2031-05-04T10:03:00.000Z', 53, 8],
      ['2031-05-04T10:05:00.000Z', 55, 6],
    ]);
  });

  it('refuses a reversed range and one longer than 31 days (a month end to the next month’s)', async () => {
    await expect(service.track(dispatcher, 'tec_1', '2031-05-04T11:00:00Z', '2031-05-04T10:00:00Z', 100)).rejects.toMatchObject({ code: 'INVALID_RANGE', kind: 'validation' });
    // 31 January to 3 March 2031 is 31 days (February has 28): the longest track; a millisecond more is refused.
    expect((await service.track(dispatcher, 'tec_1', '2031-01-31T00:00:00Z', '2031-03-03T00:00:00Z', 100)).points).toEqual([]);
    await expect(service.track(dispatcher, 'tec_1', '2031-01-31T00:00:00Z', '2031-03-03T00:00:00.001Z', 100)).rejects.toEqual(
      TrackingError.invalidRange('a track covers at most 31 days; ask for several ranges'),
    );
  });
});

describe('nearest technicians', () => {
  const { service, repository, live, clock } = setup('2031-05-05T00:00:00Z');
  repository.addTechnician(TENANT, { technicianId: 'tec_off', skills: ['hvac'], available: false }).addJob(TENANT, { jobId: 'job_1', lat: 52.5, lon: 13.4, requiredSkills: ['hvac'] }).addJob(TENANT, { jobId: 'job_nowhere' });
  live.nearby = [
    { subjectId: 'tec_off', distanceM: 10 },
    { subjectId: 'tec_2', distanceM: 20 },
    { subjectId: 'tec_1', distanceM: 1000.4 },
  ];
  const position = (subjectId: string, at: string) => ({ subjectId, deviceId: `dev_${subjectId}`, lat: 52.509, lon: 13.4, at: Date.parse(at), speedMps: 10, source: 'mqtt' });

  it('skips the unavailable, the unskilled and positions older than maxAge by the clock', async () => {
    live.held = [position('tec_off', '2031-05-04T23:59:00Z'), position('tec_2', '2031-05-04T23:59:00Z'), position('tec_1', '2031-05-04T23:50:00Z')];
    const found = await service.nearestForJob(dispatcher, 'job_1', 5, 5000, 600);
    expect(found).toEqual([{ technicianId: 'tec_1', name: 'tec_1', skills: ['hvac'], distanceM: 1000, etaS: 100, position: { lat: 52.509, lon: 13.4, at: '2031-05-04T23:50:00.000Z' } }]);
    clock.set('2031-05-05T00:00:00.001Z'); // the fix from before midnight is now older than ten minutes
    expect(await service.nearestForJob(dispatcher, 'job_1', 5, 5000, 600)).toEqual([]);
  });

  it('answers 404 to technicians and for unknown jobs, 422 for a job without a place', async () => {
    await expect(service.nearestForJob(technician('tec_1'), 'job_1', 5, 5000, 600)).rejects.toMatchObject({ code: 'JOB_NOT_FOUND', kind: 'not_found' });
    await expect(service.nearestForJob(dispatcher, 'job_missing', 5, 5000, 600)).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
    const refused = await service.nearestForJob(dispatcher, 'job_nowhere', 5, 5000, 600).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ProblemError);
    expect((refused as ProblemError).problem).toMatchObject({ status: 422, title: 'Unprocessable Content', code: 'JOB_WITHOUT_LOCATION' });
  });
});

describe('feed', () => {
  const { service, live } = setup('2031-05-04T12:00:00Z');

  it('gives a technician only their entries, and the last id to resume from', async () => {
    const entry = (id: string, technicianId: string) => ({ id, kind: 'job', technicianId, subjectId: 'job_1', at: 0 }) as unknown as FeedEntry;
    live.feed = { gap: false, entries: [entry('1-0', 'tec_1'), entry('2-0', 'tec_2')] };
    expect(await service.feed(technician('tec_1'), '0-0', 10)).toEqual({ entries: [entry('1-0', 'tec_1')], next: '2-0' });
    expect((await service.feed(dispatcher, '0-0', 10)).entries).toHaveLength(2);
  });

  it('answers 410 FEED_GAP once the entries after the id were trimmed', async () => {
    live.feed = { gap: true };
    await expect(service.feed(dispatcher, '1-0', 10)).rejects.toMatchObject({ problem: { status: 410, code: 'FEED_GAP' } });
  });
});

describe('tracking errors as problems', () => {
  // Each error, and the problem it replaced as the API answered it before.
  const cases: [TrackingError, ProblemError][] = [
    [TrackingError.technicianNotFound('t'), problem(404, 'technician-not-found', 'Not Found', 'no technician t', { code: 'TECHNICIAN_NOT_FOUND' })],
    [TrackingError.jobNotFound('j'), problem(404, 'job-not-found', 'Not Found', 'no job j', { code: 'JOB_NOT_FOUND' })],
    [TrackingError.invalidDate('2031-02-29'), problem(400, 'invalid-date', 'Bad Request', '2031-02-29 is not a calendar date', { code: 'INVALID_DATE' })],
    [TrackingError.invalidRange('d'), problem(400, 'invalid-range', 'Bad Request', 'd', { code: 'INVALID_RANGE' })],
    [TrackingError.fixInFuture('a'), problem(400, 'fix-in-future', 'Bad Request', "fix time a is ahead of the server clock; check the device's clock", { code: 'FIX_IN_FUTURE' })],
    [TrackingError.notYourLocation(), problem(403, 'not-your-location', 'Forbidden', 'only the technician themself shares their location', { code: 'NOT_YOUR_LOCATION' })],
  ];

  it.each(cases)('%s answers the problem it replaced', (error, old) => {
    expect(toProblem(error, '/x')).toEqual({ problem: { ...old.problem, instance: '/x' }, headers: {} });
  });
});
