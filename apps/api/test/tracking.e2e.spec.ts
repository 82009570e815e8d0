import { randomUUID } from 'node:crypto';
import { haversineM } from '#libs/domain';
import { liveKeys } from '#libs/live';
import type { AppProcess } from '../../../test/support/app-process';
import { eventually, fixEvent, produce } from '../../../test/support/events';
import { type Harness, harness, startProjector } from '../../../test/support/projector';
import type { ApiClient } from '../../../test/support/api-client';
import { must, newTenant, startApi, type Tenant, window, windowAroundNow } from '../../../test/support/api';

// The query side over what the projector built, with both apps running against the real stack:
// nearest technicians, track playback and exports, daily summary, boards with their feed id, feed resume.

let api: AppProcess;
let projector: AppProcess;
let http: ApiClient;
let h: Harness;
let acme: Tenant;
let other: Tenant;
const point = { lat: 52.52, lon: 13.405 };
/** `m` metres north of the point. */
const north = (m: number) => ({ lat: point.lat + m / 111_195, lon: point.lon });
/** When the test started: the drive ends here, and every summary below covers the days from its start to now. */
const started = Date.now();
const driveStart = started - 3_000_000;

/**
 * The daily summaries of every UTC day from the drive's start to now, added up: a run near midnight
 * splits the drive (and maybe a visit) between two days, and the test must not depend on the hour.
 */
async function summarySinceDrive(tenant: Tenant) {
  const days: string[] = [];
  for (let day = Date.parse(new Date(driveStart).toISOString().slice(0, 10)); day <= Date.now(); day += 86_400_000) days.push(new Date(day).toISOString().slice(0, 10));
  const parts = await Promise.all(days.map((date) => must(tenant.dispatcher.get(`/technicians/${tenant.technicianId}/summary?date=${date}`))));
  const visits = new Map<string, { jobId: string; arrivedAt: string; leftAt: string | null; seconds: number }>();
  for (const visit of parts.flatMap((p) => p.visits)) {
    const earlier = visits.get(visit.jobId); // a visit across midnight is one per day: join them
    visits.set(visit.jobId, earlier ? { ...earlier, leftAt: visit.leftAt, seconds: earlier.seconds + visit.seconds } : visit);
  }
  const sum = (key: string) => parts.reduce((total, p) => total + p[key], 0);
  return { points: sum('points'), distanceM: sum('distanceM'), onShiftSeconds: sum('onShiftSeconds'), onSiteSeconds: sum('onSiteSeconds'), visits: [...visits.values()] };
}

beforeAll(async () => {
  h = await harness();
  ({ app: api, http } = await startApi());
  [acme, other] = await Promise.all([newTenant(http), newTenant(http)]);
  // the roster: near without the skill, farther with it, nearest but not available, and acme's own technician
  const roster: [string, string[], boolean][] = [
    ['t_near_gas', ['gas'], true],
    ['t_far_hvac', ['hvac'], true],
    ['t_busy_hvac', ['hvac'], false],
  ];
  for (const [id, skills, available] of roster) {
    await must(acme.admin.post('/technicians', { technicianId: id, name: id, skills }));
    await must(acme.admin.post(`/technicians/${id}/shift/start`));
    await must(acme.admin.post(`/technicians/${id}/availability`, { available }));
  }
  await must(acme.technician.post(`/technicians/${acme.technicianId}/shift/start`));
  await must(acme.technician.post(`/technicians/${acme.technicianId}/availability`, { available: true }));
  await must(other.technician.post(`/technicians/${other.technicianId}/shift/start`));
  await must(other.technician.post(`/technicians/${other.technicianId}/availability`, { available: true }));

  const at = (agoS: number) => new Date(started - agoS * 1000);
  // acme's technician drove 300 fixes north toward the point over the last 50 minutes, 10 m apart
  const drive = Array.from({ length: 300 }, (_, i) => {
    const p = north(4_000 - i * 10);
    return fixEvent(acme.tenantId, acme.technicianId, 'dev-acme', i, at(3_000 - i * 10), p.lat, p.lon, 1);
  });
  const others = [
    fixEvent(acme.tenantId, 't_near_gas', 'dev-1', 1, at(30), north(300).lat, north(300).lon),
    fixEvent(acme.tenantId, 't_far_hvac', 'dev-2', 1, at(30), north(6_000).lat, north(6_000).lon, 10),
    fixEvent(acme.tenantId, 't_busy_hvac', 'dev-3', 1, at(30), north(100).lat, north(100).lon),
    // another tenant's technician right at the point: never in acme's answers
    fixEvent(other.tenantId, other.technicianId, 'dev-4', 1, at(30), point.lat, point.lon),
  ];
  // 250 trackers on assets far away: a board bigger than one page of anything
  const assets = Array.from({ length: 250 }, (_, i) => fixEvent(acme.tenantId, `asset-${i}`, `dev-asset-${i}`, 1, at(60), 10, 10 + i / 100));
  others.push(...assets);
  await produce(h.producer, [...drive, ...others]);
  projector = await startProjector(`e2e-tracking-${randomUUID().slice(0, 8)}`);
  // every partition projected: the drive, acme's other technicians and trackers, the other tenant
  await eventually('the drive projected', async () => {
    return (await summarySinceDrive(acme)).points === 300 ? true : undefined;
  });
  await eventually('every live position', async () => {
    const [mine, theirs] = await Promise.all([acme.dispatcher.get('/board/positions'), other.dispatcher.get('/board/positions')]);
    return mine.body.items?.length === 254 && theirs.body.items?.length === 1 ? true : undefined;
  });
}, 120_000);

afterAll(async () => {
  await Promise.all([api?.stop(), projector?.stop()]);
  await h?.close();
});

it('ranks available technicians with the skills by distance from a point, with ETA; other tenants never appear', async () => {
  const found = await eventually('four candidates', async () => {
    const reply = await must(acme.dispatcher.get(`/tracking/nearest?lat=${point.lat}&lon=${point.lon}&skills=hvac`));
    return reply.length === 2 ? reply : undefined;
  });
  expect(found.map((c: { technicianId: string }) => c.technicianId)).toEqual([acme.technicianId, 't_far_hvac']);
  expect(found[0].distanceM).toBeCloseTo(1_010, -1);
  expect(found[1].distanceM).toBeCloseTo(6_000, -1);
  // ETA: 1.3 × distance at the recent speed, never below the floor (4 m/s): 1 m/s counts as 4
  expect(found[0].etaS).toBe(Math.round((haversineM(north(1_010), point) * 1.3) / 4));
  expect(found[1].etaS).toBe(Math.round((haversineM(north(6_000), point) * 1.3) / 10));

  const anyone = await must(acme.dispatcher.get(`/tracking/nearest?lat=${point.lat}&lon=${point.lon}`));
  expect(anyone.map((c: { technicianId: string }) => c.technicianId)).toEqual(['t_near_gas', acme.technicianId, 't_far_hvac']);
  const otherSees = await must(other.dispatcher.get(`/tracking/nearest?lat=${point.lat}&lon=${point.lon}`));
  expect(otherSees.map((c: { technicianId: string }) => c.technicianId)).toEqual([other.technicianId]);

  const job = await must(acme.dispatcher.post('/jobs', { title: 'Gas leak', requiredSkills: ['gas'], location: north(200), window: window(1) }));
  const forJob = await must(acme.dispatcher.get(`/jobs/${job.id}/nearest-technicians?limit=1`));
  expect(forJob.map((c: { technicianId: string }) => c.technicianId)).toEqual(['t_near_gas']);

  const bad = await acme.dispatcher.get('/tracking/nearest?lat=91&lon=x');
  expect(bad.status).toBe(400);
  expect(bad.headers.get('content-type')).toContain('application/problem+json');
  expect((await acme.technician.get(`/tracking/nearest?lat=1&lon=1`)).status).toBe(403);
});

it('plays a track back raw or downsampled, and exports it as GeoJSON and GPX', async () => {
  const from = new Date(Date.now() - 3_600_000).toISOString();
  const to = new Date(Date.now() + 60_000).toISOString();
  const raw = await must(acme.dispatcher.get(`/technicians/${acme.technicianId}/track?from=${from}&to=${to}`));
  expect(raw.bucketSeconds).toBeNull();
  expect(raw.points).toHaveLength(300);
  expect(raw.points.map((p: { time: string }) => p.time)).toEqual([...raw.points.map((p: { time: string }) => p.time)].sort());
  expect(raw.points.at(-1).lat).toBeCloseTo(north(1_010).lat, 6);

  const coarse = await must(acme.dispatcher.get(`/technicians/${acme.technicianId}/track?from=${from}&to=${to}&maxPoints=30`));
  expect(coarse.bucketSeconds).toBe(Math.ceil((Date.parse(to) - Date.parse(from)) / 1000 / 30));
  expect(coarse.points.length).toBeLessThanOrEqual(31);
  expect(coarse.points.length).toBeGreaterThan(5);
  expect(coarse.points.at(-1).lat).toBeCloseTo(north(1_010).lat, 6); // the last fix of the last bucket

  const geo = await acme.dispatcher.get(`/technicians/${acme.technicianId}/track?from=${from}&to=${to}&format=geojson`);
  expect(geo.headers.get('content-type')).toContain('application/geo+json');
  expect(geo.body.geometry.type).toBe('LineString');
  expect(geo.body.geometry.coordinates).toHaveLength(300);
  expect(geo.body.geometry.coordinates[0]).toEqual([raw.points[0].lon, raw.points[0].lat]);
  expect(geo.body.properties.coordTimes).toHaveLength(300);

  const gpx = await acme.dispatcher.get(`/technicians/${acme.technicianId}/track?from=${from}&to=${to}&format=gpx`);
  expect(gpx.headers.get('content-type')).toContain('application/gpx+xml');
  expect(gpx.body).toContain('<gpx version="1.1"');
  expect((gpx.body as string).match(/<trkpt /g)).toHaveLength(300);

  expect((await other.dispatcher.get(`/technicians/${acme.technicianId}/track?from=${from}&to=${to}`)).status).toBe(404);
  expect((await acme.technician.get(`/technicians/t_far_hvac/track?from=${from}&to=${to}`)).status).toBe(404);
  expect((await acme.technician.get(`/technicians/${acme.technicianId}/track?from=${from}&to=${to}`)).status).toBe(200);
  const reversed = await acme.dispatcher.get(`/technicians/${acme.technicianId}/track?from=${to}&to=${from}`);
  expect(reversed.status).toBe(400);
  expect(reversed.body.code).toBe('INVALID_RANGE');
});

it('summarises a day: fixes, distance, time on shift, time on site per job', async () => {
  const job = await must(acme.dispatcher.post('/jobs', { title: 'Boiler', requiredSkills: ['hvac'], window: windowAroundNow() }));
  await must(acme.dispatcher.post(`/jobs/${job.id}/assign`, { technicianId: acme.technicianId }));
  await must(acme.technician.post(`/jobs/${job.id}/travel`));
  await must(acme.technician.post(`/jobs/${job.id}/arrive`));
  await new Promise((r) => setTimeout(r, 1_500));
  await must(acme.technician.post(`/jobs/${job.id}/complete`, { summary: 'done' }));

  const summary = await summarySinceDrive(acme);
  expect(summary.points).toBe(300);
  expect(summary.distanceM).toBeCloseTo(2_990, -1); // 299 segments of 10 m
  expect(summary.onShiftSeconds).toBeGreaterThan(0);
  expect(summary.visits).toEqual([{ jobId: job.id, arrivedAt: expect.any(String), leftAt: expect.any(String), seconds: expect.any(Number) }]);
  expect(summary.onSiteSeconds).toBeGreaterThanOrEqual(1);
  expect((await acme.dispatcher.get(`/technicians/${acme.technicianId}/summary?date=2031-02-30`)).status).toBe(400);
});

it('serves boards with the feed id they are consistent with; the feed resumes from it; a trimmed gap says reload', async () => {
  const board = await must(acme.dispatcher.get('/board/positions'));
  const technicians = board.items.map((p: { subjectId: string }) => p.subjectId).filter((id: string) => !id.startsWith('asset-'));
  expect(technicians.sort()).toEqual([acme.technicianId, 't_busy_hvac', 't_far_hvac', 't_near_gas'].sort());
  expect(board.items).toHaveLength(254);
  expect(board.feedId).toMatch(/^\d+-\d+$/);

  // a change after the snapshot is in the feed after its id, and nothing from before is
  await produce(h.producer, [fixEvent(acme.tenantId, 't_near_gas', 'dev-1', 2, new Date(), north(250).lat, north(250).lon)]);
  const after = await eventually('the new fix in the feed', async () => {
    const reply = await must(acme.dispatcher.get(`/feed?after=${board.feedId}`));
    return reply.entries.some((e: { kind: string }) => e.kind === 'location') ? reply : undefined;
  });
  // (job entries of the previous test may still be arriving through the outbox; locations are this test's)
  const locations = after.entries.filter((e: { kind: string }) => e.kind === 'location');
  expect(locations.map((e: { subjectId: string }) => e.subjectId)).toEqual(['t_near_gas']);
  expect(after.next).toBe(after.entries.at(-1).id);

  // a technician sees only their own entries
  const mine = await must(acme.technician.get('/board/positions'));
  expect(mine.items.map((p: { subjectId: string }) => p.subjectId)).toEqual([acme.technicianId]);
  const theirFeed = await must(acme.technician.get(`/feed?after=${board.feedId}`));
  expect(theirFeed.entries.filter((e: { kind: string }) => e.kind === 'location')).toEqual([]); // not t_near_gas's fix
  expect(theirFeed.entries.every((e: { technicianId?: string; subjectId: string }) => [e.technicianId, e.subjectId].includes(acme.technicianId))).toBe(true);
  expect((await other.dispatcher.get('/board/positions')).body.items.map((p: { subjectId: string }) => p.subjectId)).toEqual([other.technicianId]);

  // retention trimmed the feed (exactly here; the projector trims by FEED_MAX_LEN and age, see the
  // live store's tests): resuming from before what is kept is a gap, the client reloads the board
  const feed = liveKeys(acme.tenantId).feed;
  expect(await h.redis.xlen(feed)).toBeGreaterThan(10);
  await h.redis.xtrim(feed, 'MAXLEN', 10);
  const gap = await acme.dispatcher.get('/feed?after=0-0');
  expect(gap.status).toBe(410);
  expect(gap.body.code).toBe('FEED_GAP');
  expect(gap.headers.get('content-type')).toContain('application/problem+json');
  const [[oldestKept]] = (await h.redis.xrange(feed, '-', '+', 'COUNT', 1)) as [string, string[]][];
  const rest = await must(acme.dispatcher.get(`/feed?after=${oldestKept}`));
  expect(rest.entries).toHaveLength(9);
});

it('takes a technician’s browser geolocation like a phone fix: live, in history once even when retried, and only their own', async () => {
  const path = `/technicians/${other.technicianId}/locations`;
  const at = new Date().toISOString();
  const body = { fixes: [{ lat: 48.137, lon: 11.575, at, accuracyM: 9, headingDeg: 270 }] };
  for (let i = 0; i < 2; i++) expect(await other.technician.post(path, body)).toMatchObject({ status: 202, body: { accepted: 1 } });

  const live = await eventually('the browser fix live', async () => {
    const board = await must(other.dispatcher.get('/board/positions'));
    return board.items.find((p: { subjectId: string; source: string }) => p.subjectId === other.technicianId && p.source === 'browser');
  });
  expect(live).toMatchObject({ lat: 48.137, lon: 11.575, accuracyM: 9, headingDeg: 270, deviceId: expect.stringMatching(/^browser-/) });
  const from = new Date(Date.parse(at) - 1_000).toISOString();
  const to = new Date(Date.parse(at) + 1_000).toISOString();
  const track = await eventually('the fix in history', async () => {
    const reply = await must(other.dispatcher.get(`/technicians/${other.technicianId}/track?from=${from}&to=${to}`));
    return reply.points.length > 0 ? reply : undefined;
  });
  await new Promise((r) => setTimeout(r, 1_000)); // time for a duplicate row to show, were there one
  expect((await must(other.dispatcher.get(`/technicians/${other.technicianId}/track?from=${from}&to=${to}`))).points).toHaveLength(track.points.length);
  expect(track.points).toHaveLength(1);

  const refused = [
    await other.dispatcher.post(path, body), // not the technician
    await acme.technician.post(path, body), // another tenant's technician
    await other.technician.post(`/technicians/${acme.technicianId}/locations`, body), // ditto, from the other side
    await other.technician.post('/technicians/t_nobody/locations', body), // no such technician
  ];
  expect(refused.map((r) => r.status)).toEqual([403, 404, 404, 404]);
  const future = await other.technician.post(path, { fixes: [{ lat: 48, lon: 11, at: new Date(Date.now() + 3_600_000).toISOString() }] });
  expect(future).toMatchObject({ status: 400, body: { code: 'FIX_IN_FUTURE' } });
  for (const bad of [{ fixes: [] }, { fixes: [{ lat: 91, lon: 11, at }] }, { fixes: [{ lat: 48, lon: 11 }] }]) {
    const reply = await other.technician.post(path, bad);
    expect(reply.status).toBe(400);
    expect(reply.headers.get('content-type')).toContain('application/problem+json');
  }
});
