import WebSocket from 'ws';
import { type AppProcess, freeRtcPort, stackEnv, startAppProcess } from '../../../test/support/app-process';
import { token } from '../../../test/support/realtime';
import { TEST_TOKEN_KEY } from '../../../test/support/token-keys';
import { findWorkerBinary } from '../src/engine/worker-binary';

// The media app as a process against the real Kafka and Redis, with the worker it finds (worker-binary.ts).
// Without a worker it must still serve: say why it cannot take calls, refuse call creation with a clear
// 503, and apply every rule that needs no media — tested with a MEDIASOUP_WORKER_BIN that points nowhere.

const binary = findWorkerBinary();
const workerPresent = 'source' in binary;
let media: AppProcess;
const dispatcher = token({ tenantId: 'tnt_media_a', userId: 'u-disp', role: 'dispatcher' });
const technician = token({ tenantId: 'tnt_media_a', userId: 'u-ada', role: 'technician', technicianId: 'tech-ada' });

const post = (path: string, body: unknown, bearer?: string) =>
  fetch(`${media.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) }, body: JSON.stringify(body) });

beforeAll(async () => {
  if (!workerPresent) console.warn(`media: ${binary.reason}; testing the worker-absent behaviour only`);
  // a free port of its own: other test files run media beside it
  media = await startAppProcess('media', { ...mediaEnv, MEDIA_WORKERS: '1', MEDIA_RTC_PORT: String(await freeRtcPort()) });
});
afterAll(() => media?.stop());

const mediaEnv = { ...stackEnv(), HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', LOG_LEVEL: 'info', JWT_PUBLIC_KEYS_FILE: TEST_TOKEN_KEY.publicKeysFile, TURN_URLS: 'turn:127.0.0.1:3478?transport=udp', TURN_SECRET: 'e2e-turn-secret-0123456789' };

(workerPresent ? it : it.skip)('creates a call for a dispatcher', async () => {
  const reply = await post('/calls', { technicianIds: ['tech-ada'], mode: 'audio' }, dispatcher);
  expect(reply.status).toBe(201);
});

it('without a worker: answers call creation with 503 and the reason', async () => {
  const absent = await startAppProcess('media', { ...mediaEnv, MEDIASOUP_WORKER_BIN: '/nonexistent/mediasoup-worker', MEDIA_RTC_PORT: '40900' });
  const reply = await fetch(`${absent.url}/calls`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${dispatcher}` }, body: JSON.stringify({ technicianIds: ['tech-ada'], mode: 'audio' }) });
  const ready = await fetch(`${absent.url}/health/ready`);
  await absent.stop();
  expect(ready.status).toBe(503);
  expect(reply.status).toBe(503);
  expect(reply.headers.get('content-type')).toContain('application/problem+json');
  expect(reply.headers.get('retry-after')).toBe('30');
  const body = (await reply.json()) as { detail: string };
  expect(body).toMatchObject({ status: 503, code: 'MEDIA_UNAVAILABLE' });
  expect(body.detail).toContain('MEDIASOUP_WORKER_BIN');
});

it('refuses calls by technicians, without consent to a recording, unauthenticated, or malformed — before any media', async () => {
  const cases = [
    [await post('/calls', { technicianIds: ['tech-ben'], mode: 'audio' }, technician), 403, 'NOT_ALLOWED'],
    [await post('/calls', { technicianIds: ['tech-ada'], mode: 'audio', record: true }, dispatcher), 400, 'RECORDING_NEEDS_CONSENT'],
    [await post('/calls', { technicianIds: ['tech-ada'], mode: 'audio' }), 401, undefined],
    [await post('/calls', { technicianIds: ['tech-ada'], mode: 'audio' }, 'not-a-token'), 401, undefined],
    [await post('/calls', { technicianIds: [], mode: 'hologram' }, dispatcher), 400, undefined],
  ] as const;
  for (const [reply, status, code] of cases) {
    expect(reply.status).toBe(status);
    expect(reply.headers.get('content-type')).toContain('application/problem+json');
    if (code) expect(((await reply.json()) as { code: string }).code).toBe(code);
  }
  const unknown = await fetch(`${media.url}/calls/call_nope`, { headers: { authorization: `Bearer ${dispatcher}` } });
  expect(unknown.status).toBe(404);
  expect(((await unknown.json()) as { code: string }).code).toBe('CALL_NOT_FOUND');
});

/** A signaling socket that collects what arrives. */
async function signaling(bearer?: string) {
  const socket = new WebSocket(`${media.url.replace(/^http/, 'ws')}/media${bearer ? `?access_token=${bearer}` : ''}`);
  const frames: { event: string; data: any }[] = [];
  socket.on('message', (raw) => frames.push(JSON.parse(String(raw))));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  let n = 0;
  const request = async (method: string, params?: unknown, raw?: unknown) => {
    const id = `r${++n}`;
    socket.send(JSON.stringify({ event: 'request', data: raw ?? { id, method, ...(params === undefined ? {} : { params }) } }));
    for (let i = 0; i < 100; i++) {
      const answer = frames.find((f) => f.event === 'response' && f.data.id === ((raw as { id?: string })?.id ?? id));
      if (answer) return answer.data;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no answer to ${method}`);
  };
  return { socket, frames, closed, request };
}

it('closes an unauthenticated signaling socket with 4001 and the reason', async () => {
  const { closed } = await signaling();
  await expect(closed).resolves.toMatchObject({ code: 4001, reason: expect.stringContaining('access token') });
});

it('answers every bad signaling request with an error code, never silence', async () => {
  const s = await signaling(technician);
  expect(await s.request('fly')).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST', message: expect.stringContaining('method must be one of') } });
  expect(await s.request('join', {})).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST', message: expect.stringContaining('callId') } });
  expect(await s.request('createTransport', { callId: 'call_x', direction: 'sideways' })).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
  expect(await s.request('create', { technicianIds: [], mode: 'hologram' })).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST', message: expect.stringContaining('mode') } });
  expect(await s.request('create', { technicianIds: ['tech-ben'], mode: 'audio' })).toMatchObject({ ok: false, error: { code: 'NOT_ALLOWED' } }); // a technician starts no call
  expect(await s.request('join', { callId: 'call_nope' })).toMatchObject({ ok: false, error: { code: 'CALL_NOT_FOUND' } });
  expect(await s.request('produce', { callId: 'call_nope', transportId: 't', kind: 'audio', rtpParameters: {} })).toMatchObject({ ok: false, error: { code: 'CALL_NOT_FOUND' } });
  expect(await s.request('join', { callId: 'call_nope' }, { id: 'x1', method: 'join', params: { callId: 'call_nope', extra: 1 } })).toMatchObject({ id: 'x1', ok: false, error: { code: 'INVALID_REQUEST' } });
  s.socket.send('not json');
  s.socket.send(JSON.stringify({ event: 'subscribe', data: {} }));
  for (let i = 0; i < 100 && s.frames.filter((f) => f.event === 'error').length < 2; i++) await new Promise((r) => setTimeout(r, 20));
  expect(s.frames.filter((f) => f.event === 'error').map((f) => f.data.code)).toEqual(['MALFORMED', 'MALFORMED']);
  s.socket.close();
});

(workerPresent ? it : it.skip)('tells everyone in a call that it ended, over signaling: a call started there, joined by both, ended by the dispatcher', async () => {
  const [office, phone] = [await signaling(dispatcher), await signaling(technician)];
  const created = await office.request('create', { technicianIds: ['tech-ada'], mode: 'audio' });
  expect(created).toMatchObject({ ok: true, data: { callId: expect.stringMatching(/^call_/) } });
  const { callId } = created.data;
  for (const s of [office, phone]) expect(await s.request('join', { callId })).toMatchObject({ ok: true, data: { mode: 'audio', ptt: false, iceTransportPolicy: 'all' } });
  // a rejoin (a reload) gets fresh TURN credentials for this user, valid for TURN_CREDENTIAL_TTL_S
  const { iceServers } = (await phone.request('join', { callId })).data;
  expect(iceServers).toEqual([{ urls: ['turn:127.0.0.1:3478?transport=udp'], username: expect.stringMatching(/^\d+:u-ada$/), credential: expect.any(String) }]);
  expect(Number(iceServers[0].username.split(':')[0]) - Date.now() / 1000).toBeGreaterThan(3500);
  expect(office.frames).toContainEqual(expect.objectContaining({ event: 'participantJoined', data: expect.objectContaining({ technicianId: 'tech-ada' }) }));

  // someone not invited, and another tenant, get nowhere near it
  const stranger = await signaling(token({ tenantId: 'tnt_media_a', userId: 'u-ben', role: 'technician', technicianId: 'tech-ben' }));
  const otherTenant = await signaling(token({ tenantId: 'tnt_media_b', userId: 'u-disp', role: 'dispatcher' }));
  expect(await stranger.request('join', { callId })).toMatchObject({ ok: false, error: { code: 'NOT_INVITED' } });
  expect(await stranger.request('produce', { callId, transportId: 't', kind: 'audio', rtpParameters: {} })).toMatchObject({ ok: false, error: { code: 'NOT_IN_CALL' } });
  expect(await otherTenant.request('join', { callId })).toMatchObject({ ok: false, error: { code: 'CALL_NOT_FOUND' } });
  expect(await otherTenant.request('end', { callId })).toMatchObject({ ok: false, error: { code: 'CALL_NOT_FOUND' } });
  stranger.socket.close();
  otherTenant.socket.close();

  expect(await office.request('end', { callId, reason: 'done here' })).toMatchObject({ ok: true });
  for (const s of [office, phone]) {
    for (let i = 0; i < 100 && !s.frames.some((f) => f.event === 'call.ended'); i++) await new Promise((r) => setTimeout(r, 20));
    expect(s.frames).toContainEqual({ event: 'call.ended', data: expect.objectContaining({ callId, reason: 'done here' }) });
    s.socket.close();
  }
});
