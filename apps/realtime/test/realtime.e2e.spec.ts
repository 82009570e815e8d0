import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { CloseCodes, type RealtimeClientOptions, type StreamName } from '#libs/realtime-client';
import type { AppProcess } from '../../../test/support/app-process';
import { event, eventually, fixEvent, produce, uniqueTenant } from '../../../test/support/events';
import { type Harness, harness, startProjector } from '../../../test/support/projector';
import { rawSocket, Recorder, startGateway, token, wsUrl } from '../../../test/support/realtime';

// Two gateway processes, a projector and the real stack. Events go into Kafka as the API and ingest
// would put them there; the projector writes the tenant feeds; clients use the client kit.

let h: Harness;
let projector: AppProcess;
let nodeA: AppProcess;
let nodeB: AppProcess;
const recorders: Recorder[] = [];
const acme = uniqueTenant('rt');
const globex = uniqueTenant('rt_other');
const dispatcher = { tenantId: acme, userId: 'u-disp', role: 'dispatcher' };
const tech1 = { tenantId: acme, userId: 'u-tech1', role: 'technician', technicianId: 'tech-1' };
const tech2 = { tenantId: acme, userId: 'u-tech2', role: 'technician', technicianId: 'tech-2' };
const outsider = { tenantId: globex, userId: 'u-globex', role: 'dispatcher' };
const positions = new Map<string, number>();

const record = (node: AppProcess, who: typeof dispatcher, streams: StreamName[], extra: Partial<RealtimeClientOptions> = {}) => {
  const r = new Recorder(wsUrl(node), token(who), streams, extra).start();
  recorders.push(r);
  return r;
};

/** A job's events at their stream positions, continuing where it left off. */
function jobEvents(tenantId: string, jobId: string, technicianId: string, steps: ('created' | 'assigned' | 'travel' | 'note')[]) {
  return steps.map((step) => {
    const position = (positions.get(jobId) ?? 0) + 1;
    positions.set(jobId, position);
    const at = { streamPosition: position };
    if (step === 'created') return event('job.created', { title: `Job ${jobId}`, requiredSkills: [], priority: 'normal' }, tenantId, jobId, at);
    if (step === 'assigned') return event('job.assigned', { technicianId }, tenantId, jobId, at);
    if (step === 'travel') return event('job.travel_started', { technicianId }, tenantId, jobId, at);
    return event('job.note_added', { noteId: `n-${position}`, text: `note ${position}`, authorId: 'u-disp' }, tenantId, jobId, at);
  });
}

beforeAll(async () => {
  h = await harness();
  [projector, nodeA, nodeB] = await Promise.all([
    startProjector(`e2e-rt-${randomUUID().slice(0, 8)}`, { PROJECTOR_PROJECTIONS: 'dispatch,positions,presence' }),
    startGateway(),
    startGateway({ REALTIME_MAX_QUEUED: '50', REALTIME_HIGH_WATER_BYTES: '16384' }),
  ]);
  // The new projector group starts at the beginning of the topics: let it catch up first.
  await produce(h.producer, [fixEvent(acme, 'marker', 'dev-marker', 0, new Date(), 0, 0)]);
  await eventually('the projector caught up', async () => ((await h.redis.hexists(`fl:{${acme}}:pos`, 'marker')) ? true : undefined), 120_000);
}, 180_000);

afterAll(async () => {
  recorders.forEach((r) => r.close());
  await Promise.all([projector?.stop(), nodeA?.stop(), nodeB?.stop()]);
  await h?.close();
});

it('gives each socket its tenant only, and a technician only their own jobs; refuses bad frames with a reason', async () => {
  const office = record(nodeA, dispatcher, ['jobs']);
  const t1 = record(nodeB, tech1, ['jobs']);
  const other = record(nodeA, outsider, ['jobs']);
  await Promise.all([office, t1, other].map((r) => r.until('subscribed', () => r.of('subscribed').length > 0)));

  await produce(h.producer, [
    ...jobEvents(acme, 'job-a1', 'tech-1', ['created', 'assigned']),
    ...jobEvents(acme, 'job-a2', 'tech-2', ['created', 'assigned']),
    ...jobEvents(globex, 'job-g1', 'tech-9', ['created', 'assigned']),
  ]);
  await office.until('four job entries', () => office.feed('job').length === 4);
  await t1.until('their assignment', () => t1.feed('job').some((f) => f.subjectId === 'job-a1' && f.type === 'job.assigned'));
  await other.until('their own job', () => other.feed('job').length === 2);
  await new Promise((r) => setTimeout(r, 500)); // anything that should not arrive has had its chance

  expect(new Set(office.feed('job').map((f) => f.subjectId))).toEqual(new Set(['job-a1', 'job-a2']));
  expect(t1.feed('job').map((f) => f.subjectId)).toEqual(['job-a1']); // created before assignment concerns no technician
  expect(other.feed('job').every((f) => f.subjectId === 'job-g1')).toBe(true);

  const raw = await rawSocket(`${wsUrl(nodeA)}?access_token=${token(dispatcher)}`);
  raw.socket.send(JSON.stringify({ event: 'subscribe', data: { streams: ['jobs', 'secrets'] } }));
  raw.socket.send(JSON.stringify({ event: 'steal', data: {} }));
  raw.socket.send('not json');
  raw.socket.send(JSON.stringify({ event: 'chat.send', data: { jobId: 'job-g1', text: 'hi', clientMessageId: 'c1' } }));
  await eventually('four error frames', async () => (raw.frames.filter((f) => f.event === 'error').length >= 4 ? true : undefined), 10_000);
  expect(raw.frames.filter((f) => f.event === 'error').map((f) => f.data.code).sort()).toEqual(['INVALID_MESSAGE', 'JOB_NOT_FOUND', 'MALFORMED', 'UNKNOWN_EVENT']);
  raw.socket.close();

  const anonymous = await rawSocket(wsUrl(nodeB));
  expect((await anonymous.closed).code).toBe(CloseCodes.unauthorized);
  const expired = await rawSocket(`${wsUrl(nodeB)}?access_token=${token(dispatcher, -10)}`);
  expect(await expired.closed).toEqual({ code: CloseCodes.unauthorized, reason: expect.stringContaining('expired') });
}, 60_000);

it('resumes after a forced disconnect on the other node: every entry once, in order', async () => {
  const jobId = `job-resume-${randomUUID().slice(0, 6)}`;
  await produce(h.producer, jobEvents(acme, jobId, 'tech-1', ['created', 'assigned']));
  await eventually('the job on the board', async () => ((await h.redis.hget(`fl:{${acme}}:jobs`, jobId)) ?? '').includes('"version":2') || undefined);
  const first = record(nodeA, dispatcher, ['jobs']);
  await first.until('subscribed', () => first.of('subscribed').length > 0);
  await produce(h.producer, jobEvents(acme, jobId, 'tech-1', ['note', 'note', 'note']));
  await first.until('the first notes', () => first.feed('job').filter((f) => f.subjectId === jobId).length === 3);
  const lastId = first.client.lastId!;
  first.close(); // gone mid-stream

  await produce(h.producer, jobEvents(acme, jobId, 'tech-1', Array(20).fill('note')));
  const second = record(nodeB, dispatcher, ['jobs'], { after: lastId });
  await produce(h.producer, jobEvents(acme, jobId, 'tech-1', Array(5).fill('note')));
  await second.until('everything after the resume point', () => second.feed('job').filter((f) => f.subjectId === jobId).length === 25, 30_000);
  await new Promise((r) => setTimeout(r, 300));

  const seen = [...first.feed('job'), ...second.feed('job')].filter((f) => f.subjectId === jobId);
  const positionsSeen = seen.map((f) => (f.data as { job: { version: number } }).job.version);
  expect(positionsSeen).toEqual(Array.from({ length: 28 }, (_, i) => i + 3)); // 3 … 30, none twice, none missing
  expect(second.of('subscribed')[0]).toEqual({ feedId: lastId, resumed: true });
}, 60_000);

it('sends only the technicians inside a viewport, and what is inside when it moves', async () => {
  const map = record(nodeA, dispatcher, ['locations'], { viewport: { west: 13.0, south: 52.0, east: 13.5, north: 52.6 } });
  await map.until('subscribed', () => map.of('subscribed').length > 0);
  await produce(h.producer, [
    fixEvent(acme, 'tech-in', 'dev-in', 1, new Date(), 52.5, 13.4),
    fixEvent(acme, 'tech-out', 'dev-out', 1, new Date(), 48.1, 11.5),
  ]);
  await map.until('the one inside', () => map.feed('location').length > 0);
  await eventually('both positions projected', async () => ((await h.redis.hmget(`fl:{${acme}}:pos`, 'tech-in', 'tech-out')).every(Boolean) ? true : undefined));
  await new Promise((r) => setTimeout(r, 300));
  expect(map.feed('location').map((f) => f.subjectId)).toEqual(['tech-in']);
  map.client.setViewport({ west: 11.0, south: 48.0, east: 12.0, north: 48.5 });
  await map.until('positions in the new box', () => map.of('positions').length > 0);
  expect(map.of('positions')[0]!.items.map((p: any) => p.subjectId)).toEqual(['tech-out']);
}, 60_000);

it('shows a user online while any of three connections lives, offline when the last closes and when their node dies', async () => {
  const watcher = record(nodeA, dispatcher, ['presence']);
  await watcher.until('subscribed', () => watcher.of('subscribed').length > 0);
  const stateOf = () => watcher.of('presence').filter((p) => p.userId === tech2.userId).at(-1)?.state;
  const tabs = [record(nodeA, tech2, ['jobs']), record(nodeA, tech2, ['jobs']), record(nodeB, tech2, ['jobs'])];
  await watcher.until('online', () => stateOf() === 'online');
  tabs[0]!.close();
  tabs[2]!.close();
  await new Promise((r) => setTimeout(r, 1_000));
  expect(stateOf()).toBe('online');
  tabs[1]!.close();
  await watcher.until('offline', () => stateOf() === 'offline');
  expect(watcher.of('presence').filter((p) => p.userId === tech2.userId).at(-1)!.lastSeenAt).toEqual(expect.any(String));

  // a node dies with the user's only connection: gone within the TTL (3 s) plus a heartbeat
  const doomed = await startGateway();
  record(doomed, tech2, ['jobs']);
  await watcher.until('online again', () => stateOf() === 'online');
  const killedAt = Date.now();
  doomed.child.kill('SIGKILL');
  await watcher.until('offline after the crash', () => stateOf() === 'offline', 15_000);
  expect(Date.now() - killedAt).toBeLessThan(8_000);
}, 60_000);

it('chats about a job: message, typing, delivered and read receipts, between the office and the technician only', async () => {
  const jobId = `job-chat-${randomUUID().slice(0, 6)}`;
  const office = record(nodeA, dispatcher, ['chat', 'jobs']);
  const t1 = record(nodeB, tech1, ['chat', 'jobs']);
  const t2 = record(nodeB, tech2, ['chat']);
  await Promise.all([office, t1, t2].map((r) => r.until('subscribed', () => r.of('subscribed').length > 0)));
  await produce(h.producer, jobEvents(acme, jobId, 'tech-1', ['created', 'assigned']));
  await t1.until('the job assigned to them', () => t1.feed('job').some((f) => f.subjectId === jobId));

  t1.client.send('chat.typing', { jobId });
  await office.until('typing', () => office.of('typing').some((t) => t.jobId === jobId && t.userId === tech1.userId));

  office.client.send('chat.send', { jobId, text: 'Gate code is 4711', clientMessageId: 'c-1' });
  await office.until('sent', () => office.of('chat.sent').some((s) => s.clientMessageId === 'c-1'));
  const messageId = office.of('chat.sent').find((s) => s.clientMessageId === 'c-1')!.messageId;
  await t1.until('the message', () => t1.feed('chat').some((f) => (f.data as any).messageId === messageId));
  t1.client.send('chat.delivered', { jobId, messageId });
  t1.client.send('chat.read', { jobId, messageId });
  await office.until('both receipts', () => ['chat.message_delivered', 'chat.message_read'].every((type) => office.feed('chat').some((f) => f.type === type && (f.data as any).userId === tech1.userId)));
  expect(office.feed('chat').find((f) => f.type === 'chat.message_posted')!.data).toMatchObject({ messageId, text: 'Gate code is 4711', authorId: dispatcher.userId });

  t2.client.send('chat.send', { jobId, text: 'not my job', clientMessageId: 'c-2' });
  await t2.until('a refusal', () => t2.of('error').length > 0);
  expect(t2.of('error')[0]).toMatchObject({ code: 'JOB_NOT_FOUND' });
  expect(t2.feed('chat')).toEqual([]);
  const { rows } = await h.db.query('SELECT text FROM chat_messages WHERE tenant_id = $1 AND job_id = $2', [acme, jobId]);
  expect(rows).toEqual([{ text: 'Gate code is 4711' }]);
}, 60_000);

it('rings a call on every screen of each invited technician (both nodes), once even when replayed, and stops it when it ends', async () => {
  const callId = `call_${randomUUID()}`;
  const phone = record(nodeA, tech1, ['calls']);
  const desk = record(nodeB, tech1, ['calls']);
  const other = record(nodeB, tech2, ['calls']);
  const office = record(nodeA, dispatcher, ['calls']);
  await Promise.all([phone, desk, other, office].map((r) => r.until('subscribed', () => r.of('subscribed').length > 0)));
  const data = { callId };
  const invited = event('call.invited', { ...data, technicianIds: ['tech-1'], invitedBy: dispatcher.userId, jobId: 'job-call-1' }, acme, callId);
  await produce(h.producer, [
    event('call.created', { ...data, createdBy: dispatcher.userId, jobId: 'job-call-1', mode: 'audio', ptt: false, record: false, maxParticipants: 8 }, acme, callId),
    invited,
    invited, // a producer retry: the same event again
  ]);
  for (const screen of [phone, desk]) await screen.until('the invitation', () => screen.feed('call').some((f) => f.type === 'call.invited'));
  await office.until('the invitation', () => office.feed('call').some((f) => f.type === 'call.invited'));
  await produce(h.producer, [
    event('call.declined', { ...data, technicianId: 'tech-1', userId: tech1.userId }, acme, callId),
    event('call.ended', { ...data, reason: 'declined', durationMs: 4_000 }, acme, callId),
  ]);
  for (const screen of [phone, desk]) await screen.until('the end', () => screen.feed('call').some((f) => f.type === 'call.ended'));
  for (const screen of [phone, desk]) {
    expect(screen.feed('call').map((f) => f.type)).toEqual(['call.invited', 'call.declined', 'call.ended']);
    expect(screen.feed('call')[2]!.data).toMatchObject({ callId, reason: 'declined', jobId: 'job-call-1' }); // the end names the job too
  }
  await office.until('the end', () => office.feed('call').some((f) => f.type === 'call.ended'));
  expect(other.feed('call')).toEqual([]); // not invited: nothing rings
}, 60_000);

it('keeps a socket that never reads bounded while 20,000 updates flow: job messages are never lost (resume after the slow-consumer close)', async () => {
  const jobId = `job-slow-${randomUUID().slice(0, 6)}`;
  await produce(h.producer, jobEvents(acme, jobId, 'tech-1', ['created']));
  const slow = record(nodeB, dispatcher, ['jobs', 'locations']);
  await slow.until('subscribed', () => slow.of('subscribed').length > 0);
  // stop reading: the client's TCP buffer fills, then the server's
  const socket = (slow.client as unknown as { socket: { _socket: { pause(): void; resume(): void } } }).socket._socket;
  socket.pause();
  const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${nodeB.child.pid}/status`, 'utf8'))![1]) / 1024;
  const before = rss();

  const t0 = Date.now() - 600_000;
  // more than the kernel's socket buffers hold, so the server's own bound is what holds
  const updates = Array.from({ length: 20_000 }, (_, i) => fixEvent(acme, `van-${i % 5_000}`, `dev-van-${i % 5_000}`, i, new Date(t0 + i * 10), 52 + (i % 1000) / 1e5, 13.2, 9));
  const notes = jobEvents(acme, jobId, 'tech-1', Array(200).fill('note'));
  for (let i = 0; i < 200; i++) await produce(h.producer, [...updates.slice(i * 100, (i + 1) * 100), notes[i]!]);
  await eventually('the feed written', async () => ((await h.redis.hget(`fl:{${acme}}:jobs`, jobId)) ?? '').includes('"version":201') || undefined, 60_000);
  await new Promise((r) => setTimeout(r, 5_000)); // two heartbeat intervals without a pong
  const grown = rss() - before;
  socket.resume();

  await slow.until('all 200 notes', () => new Set(slow.feed('job').filter((f) => f.subjectId === jobId && f.type === 'job.note_added').map((f) => f.id)).size === 200, 60_000);
  const notesSeen = slow.feed('job').filter((f) => f.subjectId === jobId && f.type === 'job.note_added').map((f) => (f.data as any).job.version);
  expect([...new Set(notesSeen)]).toEqual(Array.from({ length: 200 }, (_, i) => i + 2));
  // It was cut off, then resumed from its last id: a socket that reads nothing answers no ping and is
  // culled by the heartbeat (1006); one that reads too slowly is closed past its queue bound (4008,
  // see connection.unit.spec.ts). Either way the missed job messages came with the resume.
  expect(slow.closes.some((c) => /closed (1006|4008)/.test(c))).toBe(true);
  expect(grown).toBeLessThan(64); // MB: bounded, not growing with the 20,000 updates
}, 120_000);

it('closes a socket whose token expires unless it sends a fresh one, and sheds load at the upgrade with Retry-After', async () => {
  const stale = new Recorder(wsUrl(nodeA), token(dispatcher, 3), ['jobs']).start();
  const refreshed = new Recorder(wsUrl(nodeA), token(dispatcher, 3), ['jobs']).start();
  recorders.push(stale, refreshed);
  await Promise.all([stale, refreshed].map((r) => r.until('subscribed', () => r.of('subscribed').length > 0)));
  refreshed.client.send('auth', { token: token(dispatcher, 600) });
  await refreshed.until('authenticated', () => refreshed.of('authenticated').length > 0);
  await stale.until('closed for expiry', () => stale.closes.some((c) => c.includes(`${CloseCodes.unauthorized}`) && c.includes('expired')), 10_000);
  expect(refreshed.closes).toEqual([]);
  stale.close();
  const other = await rawSocket(`${wsUrl(nodeA)}?access_token=${token(dispatcher)}`);
  other.socket.send(JSON.stringify({ event: 'auth', data: { token: token(tech1) } }));
  await eventually('a refusal', async () => other.frames.find((f) => f.event === 'error'));
  expect(other.frames.find((f) => f.event === 'error').data.code).toBe('UNAUTHORIZED');
  other.socket.close();

  const small = await startGateway({ REALTIME_MAX_CONNECTIONS: '1' });
  try {
    const first = await rawSocket(`${wsUrl(small)}?access_token=${token(dispatcher)}`);
    const refused = await new Promise<{ status: number; retryAfter: string | undefined }>((resolve) => {
      const socket = new WebSocket(`${wsUrl(small)}?access_token=${token(dispatcher)}`);
      socket.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode!, retryAfter: res.headers['retry-after'] }));
    });
    expect(refused).toEqual({ status: 503, retryAfter: expect.stringMatching(/^\d+$/) });
    first.socket.close();
  } finally {
    await small.stop();
  }
}, 60_000);

it('serves every socket of a tenant that appears with many at once (one start point, shared)', async () => {
  const fresh = uniqueTenant('burst');
  const crowd = Array.from({ length: 60 }, (_, i) => record(i % 2 ? nodeA : nodeB, { tenantId: fresh, userId: `u-${i}`, role: 'dispatcher' }, ['jobs']));
  await Promise.all(crowd.map((r) => r.until('subscribed', () => r.of('subscribed').length > 0)));
  await produce(h.producer, jobEvents(fresh, 'job-burst', 'tech-1', ['created']));
  await Promise.all(crowd.map((r) => r.until('the entry', () => r.feed('job').length === 1)));
  expect(crowd.every((r) => r.feed('job')[0]!.subjectId === 'job-burst')).toBe(true);
}, 60_000);

it('turns a user idle after inactivity on all their connections, and online again with activity', async () => {
  const quick = await startGateway({ PRESENCE_IDLE_AFTER_S: '5' });
  try {
    const who = { tenantId: acme, userId: `u-idle-${randomUUID().slice(0, 6)}`, role: 'dispatcher' };
    const watcher = record(nodeA, dispatcher, ['presence']);
    await watcher.until('subscribed', () => watcher.of('subscribed').length > 0);
    const stateOf = () => watcher.of('presence').filter((p) => p.userId === who.userId).at(-1)?.state;
    const user = record(quick, who, ['jobs']);
    await watcher.until('online', () => stateOf() === 'online');
    await watcher.until('idle', () => stateOf() === 'idle', 15_000);
    user.client.send('presence', { state: 'active' });
    await watcher.until('online again', () => stateOf() === 'online');
    user.close();
    await watcher.until('offline', () => stateOf() === 'offline');
  } finally {
    await quick.stop();
  }
}, 60_000);

it("counts a technician's phone (its MQTT session) in their presence: online without a socket while it is connected", async () => {
  const tech3 = { tenantId: acme, userId: 'u-tech3', role: 'technician', technicianId: 'tech-3' };
  const deviceId = `dev-phone-${randomUUID().slice(0, 6)}`;
  await h.db.query("INSERT INTO devices (device_id, tenant_id, kind, name, secret_hash, technician_id) VALUES ($1, $2, 'phone', 'p', 'x', 'tech-3')", [deviceId, acme]);
  const watcher = record(nodeB, dispatcher, ['presence']);
  await watcher.until('subscribed', () => watcher.of('subscribed').length > 0);
  const last = () => watcher.of('presence').filter((p) => p.userId === tech3.userId).at(-1);
  const app = record(nodeA, tech3, ['jobs']); // the technician's web app, once: realtime learns who tech-1 is
  await watcher.until('online', () => last()?.state === 'online');
  app.close();
  await watcher.until('offline', () => last()?.state === 'offline');

  await produce(h.producer, [event('presence.device_connected', { deviceId }, acme, deviceId)]);
  await watcher.until('online through the phone', () => last()?.state === 'online' && last()?.device === true);
  await produce(h.producer, [event('presence.device_disconnected', { deviceId, reason: 'keepalive timeout' }, acme, deviceId)]);
  await watcher.until('offline with the phone gone', () => last()?.state === 'offline' && last()?.device === false);
}, 60_000);
