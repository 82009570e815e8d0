import { findWorkerBinary } from '../../apps/media/src/engine/worker-binary';
import { TEST_TOKEN_KEY } from '../support/token-keys';
import { type AppName, type AppProcess, freeRtcPort, runAppToExit, stackEnv, startAppProcess, tryParse } from '../support/app-process';

// Each app as a real process against the real stack: it starts, logs JSON only, reports ready with
// the infrastructure it uses, and stops cleanly on SIGTERM. Bad configuration stops it with exit 78.

const uses: Record<AppName, string[]> = {
  api: ['kafka', 'redis', 'timescaledb'],
  ingest: ['kafka', 'mqtt', 'redis', 'timescaledb'],
  projector: ['kafka', 'redis', 'timescaledb'],
  realtime: ['kafka', 'redis'],
  media: ['kafka', 'mediasoup', 'redis'],
};

/** Without a mediasoup worker, media is up but not ready, and says why. */
const workerPresent = 'source' in findWorkerBinary();
const notReadyHere: Partial<Record<AppName, string[]>> = workerPresent ? {} : { media: ['mediasoup'] };

const envFor = (app: AppName): Record<string, string> => ({
  ...stackEnv(),
  HTTP_PORT: '0',
  HTTP_HOST: '127.0.0.1',
  LOG_LEVEL: 'info',
  ...(app === 'ingest' ? { MQTT_PORT: '0', MQTT_WS_PORT: '0', MQTT_HOST: '127.0.0.1' } : {}),
  ...(app === 'api' ? { JWT_PRIVATE_KEY_FILE: TEST_TOKEN_KEY.privateKeyFile } : {}),
  ...(app === 'realtime' || app === 'media' ? { JWT_PUBLIC_KEYS_FILE: TEST_TOKEN_KEY.publicKeysFile } : {}),
});

describe.each(Object.keys(uses) as AppName[])('%s', (app) => {
  let running: AppProcess;
  beforeAll(async () => {
    // media's SFU port: a free one of its own, so media tests running beside it never collide
    running = await startAppProcess(app, { ...envFor(app), ...(app === 'media' ? { MEDIA_RTC_PORT: String(await freeRtcPort()) } : {}) });
  });
  afterAll(async () => {
    await running?.stop();
  });

  it('is live, and ready with exactly the infrastructure it uses', async () => {
    const live = await fetch(`${running.url}/health/live`);
    expect(live.status).toBe(200);
    const ready = await fetch(`${running.url}/health/ready`);
    const body = (await ready.json()) as { status: string; info: Record<string, { status: string }>; error: Record<string, { status: string; reason?: string }> };
    const down = notReadyHere[app] ?? [];
    if (down.length > 0) console.warn(`${app}: expected not ready here (${down.join(', ')}): ${Object.values(body.error ?? {}).map((e) => e.reason).join('; ')}`);
    expect({ status: ready.status, overall: body.status }).toEqual(down.length ? { status: 503, overall: 'error' } : { status: 200, overall: 'ok' });
    expect(Object.keys(body.info).sort()).toEqual(uses[app].filter((u) => !down.includes(u)));
    expect(Object.values(body.info).every((i) => i.status === 'up')).toBe(true);
    expect(Object.keys(body.error ?? {}).sort()).toEqual(down);
    for (const name of down) expect(body.error[name]!.reason).toMatch(/Set MEDIASOUP_WORKER_BIN/);
  });

  it('logs structured JSON only, each line naming the app', () => {
    expect(running.lines.length).toBeGreaterThan(0);
    for (const line of running.lines) expect(tryParse(line)).toMatchObject({ app, level: expect.any(Number), msg: expect.any(String) });
  });

  it('runs on the Node that tools/bootstrap.sh chose (24 or later), not whatever else is installed', () => {
    const listening = running.lines.map(tryParse).find((record) => record?.event === 'app.listening');
    expect(listening?.node).toBe(process.version);
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(24);
    expect(process.env.FIELDLINE_NODE).toBe(process.execPath); // jest itself was started on it
  });

  it('exits 0 on SIGTERM', async () => {
    await expect(running.stop()).resolves.toBe(0);
  });
});

it('refuses to start without KAFKA_BROKERS: exit 78, naming the variable', async () => {
  const { KAFKA_BROKERS: _omitted, ...env } = envFor('realtime');
  const { code, lines } = await runAppToExit('realtime', env);
  expect(code).toBe(78);
  const fatal = lines.map(tryParse).find((r) => r?.event === 'config.invalid');
  expect(fatal).toMatchObject({ app: 'realtime', problems: [{ variable: 'KAFKA_BROKERS', problem: expect.stringContaining('not set') }] });
});

it('refuses an invalid value, naming it and what was given', async () => {
  const { code, lines } = await runAppToExit('api', { ...envFor('api'), HTTP_PORT: 'eighty', DATABASE_URL: 'mysql://x' });
  expect(code).toBe(78);
  const fatal = lines.map(tryParse).find((r) => r?.event === 'config.invalid');
  expect((fatal?.problems as { variable: string }[]).map((p) => p.variable).sort()).toEqual(['DATABASE_URL', 'HTTP_PORT']);
});

it('reports not ready, naming Redis, while Redis is unreachable — and keeps running', async () => {
  const running = await startAppProcess('media', { ...envFor('media'), MEDIA_RTC_PORT: String(await freeRtcPort()), REDIS_URL: 'redis://127.0.0.1:1' });
  try {
    const ready = await fetch(`${running.url}/health/ready`);
    const body = (await ready.json()) as { error: Record<string, unknown> };
    expect(ready.status).toBe(503);
    expect(Object.keys(body.error).sort()).toEqual(['redis', ...(notReadyHere.media ?? [])].sort());
    expect((await fetch(`${running.url}/health/live`)).status).toBe(200);
    await expect(running.stop()).resolves.toBe(0); // and still stops cleanly
  } finally {
    await running.stop();
  }
});
