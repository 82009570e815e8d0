import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppProcess } from '../../../test/support/app-process';
import { SIGNATURE_HEADER, verifyWebhook } from '../src/webhooks/webhook-signature';
import type { ApiClient } from '../../../test/support/api-client';
import { must, newTenant, startApi, type Tenant } from '../../../test/support/api';

// Real HTTP receivers on loopback: one healthy, one that fails twice before answering, one that never
// answers in time. Deliveries come from the API through Kafka, signed. The API allows 127.0.0.1 over http
// (WEBHOOK_ALLOWED_HOSTS); every other non-public address is refused at registration.

interface Received {
  body: string;
  headers: IncomingMessage['headers'];
}

function receiver(handle: (count: number, res: ServerResponse) => void): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ body, headers: req.headers });
      handle(received.length, res);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, server })),
  );
}

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}

let app: AppProcess;
let http: ApiClient;
let acme: Tenant;
const servers: Server[] = [];

beforeAll(async () => {
  // A consumer group of this test's own: the suite's other APIs start, stop and get killed in the shared
  // one, and each of them makes it rebalance (for up to a killed member's session) — not what is tested here.
  ({ app, http } = await startApi({
    WEBHOOK_RETRY_BASE_MS: '200',
    WEBHOOK_TIMEOUT_MS: '1000',
    WEBHOOK_MAX_ATTEMPTS: '4',
    WEBHOOK_CONSUMER_GROUP: `e2e-webhooks-${randomUUID()}`,
    // The receivers below listen on loopback, which the rules refuse: this address (and only it) is let
    // through, over plain http.
    WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    WEBHOOK_ALLOW_HTTP: '1',
  }));
  acme = await newTenant(http);
});
afterAll(async () => {
  await app?.stop();
  for (const s of servers) s.close();
});

it('delivers signed events, retries a failing endpoint, and a slow one holds up nobody', async () => {
  const healthy = await receiver((_n, res) => res.writeHead(204).end());
  const flaky = await receiver((n, res) => res.writeHead(n <= 2 ? 500 : 200).end());
  const slow = await receiver(() => undefined); // never answers
  servers.push(healthy.server, flaky.server, slow.server);

  const subscribe = (url: string, eventTypes: string[]) => must(acme.admin.post('/webhooks', { url, eventTypes }));
  const healthySub = await subscribe(healthy.url, ['job.*']);
  const flakySub = await subscribe(flaky.url, ['job.created']);
  await subscribe(slow.url, ['job.created']);
  expect(healthySub.secret).toMatch(/^whsec_/);

  const job = await must(acme.dispatcher.post('/jobs', { title: 'webhook me' }));
  await must(acme.dispatcher.post(`/jobs/${job.id}/priority`, { priority: 'urgent' }));

  // The healthy endpoint gets both events, signed, while the slow one is still timing out. (The API
  // serves before its webhook consumer has joined its group: the first events may wait for that.)
  const got = await until(async () => (healthy.received.length >= 2 ? healthy.received : undefined), 60_000);
  const types = got.map((r) => r.headers['fieldline-event-type']).sort();
  expect(types).toEqual(['job.created', 'job.priority_changed']);
  for (const r of got) {
    expect(verifyWebhook(healthySub.secret, r.body, String(r.headers[SIGNATURE_HEADER]), Math.floor(Date.now() / 1000))).toBe(true);
    expect(verifyWebhook('whsec_wrong', r.body, String(r.headers[SIGNATURE_HEADER]), Math.floor(Date.now() / 1000))).toBe(false);
    expect(JSON.parse(r.body).id).toBe(r.headers['fieldline-event-id']);
  }

  // The flaky endpoint: two 500s, then delivered; every attempt is in the log.
  const log = await until(async () => {
    const deliveries = await must(acme.admin.get(`/webhooks/${flakySub.id}/deliveries`));
    return deliveries[0]?.status === 'delivered' ? deliveries[0] : undefined;
  }).catch(async (error: Error) => {
    // Say what the log and the endpoint saw, not just that time ran out.
    const deliveries = await must(acme.admin.get(`/webhooks/${flakySub.id}/deliveries`));
    throw new Error(`${error.message}: the endpoint got ${flaky.received.length} requests; its log: ${JSON.stringify(deliveries)}`);
  });
  expect(log.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([500, 500, 200]);
  expect(log.attempts[0].error).toBe('HTTP 500');
}, 120_000);

it('keeps subscriptions and their logs per tenant', async () => {
  const other = await newTenant(http);
  const mine = await must(acme.admin.post('/webhooks', { url: 'http://127.0.0.1:9/none', eventTypes: ['job.completed'] }));
  expect((await other.admin.get(`/webhooks/${mine.id}/deliveries`)).status).toBe(404);
  expect((await other.admin.send('DELETE', `/webhooks/${mine.id}`)).status).toBe(404);
  expect(await must(other.admin.get('/webhooks'))).toEqual([]);
  expect((await acme.dispatcher.get('/webhooks')).status).toBe(403);
});

it('refuses a URL that is not http(s) and an event type pattern it cannot match', async () => {
  const reply = await acme.admin.post('/webhooks', { url: 'ftp://example.com/x', eventTypes: ['job'] });
  expect(reply.status).toBe(400);
  expect(reply.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['eventTypes', 'url']);
});

describe('no server-side request forgery: registration refuses what is not https to a public address', () => {
  // Nothing here is sent anywhere: IP addresses are judged as written and the names are refused before any lookup.
  it.each([
    ['http://169.254.169.254/latest/meta-data/', 'link-local'],
    ['https://169.254.169.254/latest/meta-data/', 'link-local'],
    ['https://[fe80::1]/x', 'link-local'],
    ['http://10.0.0.1/x', 'private'],
    ['https://172.16.0.1/x', 'private'],
    ['https://192.168.1.1/x', 'private'],
    ['https://[fd00::1]/x', 'unique-local'],
    ['https://127.0.0.2/x', 'loopback'], // loopback, but not the allowed 127.0.0.1
    ['https://[::1]/x', 'loopback'],
    ['https://[::ffff:127.0.0.2]/x', 'loopback'],
    ['https://[::ffff:169.254.169.254]/x', 'link-local'],
    ['https://100.64.0.1/x', 'carrier-grade NAT'],
    ['https://0.0.0.0/x', 'this network'],
    ['https://224.0.0.1/x', 'multicast'],
    ['https://240.0.0.1/x', 'reserved'],
    ['http://localhost:16379/', 'loopback name'],
    ['https://api.localhost/x', 'loopback name'],
  ])('%s (%s): 422 WEBHOOK_URL_NOT_PUBLIC', async (url, why) => {
    const reply = await acme.admin.post('/webhooks', { url, eventTypes: ['job.*'] });
    expect(reply.status).toBe(422);
    expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(reply.body).toMatchObject({ status: 422, code: 'WEBHOOK_URL_NOT_PUBLIC' });
    expect(reply.body.detail).toContain(why);
    expect(reply.body.detail).toContain('public');
  });

  it('requires https except for the allowed host', async () => {
    // Public addresses written as such: with WEBHOOK_ALLOW_HTTP=1 a host name would be looked up first
    // (its addresses might all be allowed), and this test sends nothing, DNS queries included.
    for (const url of ['http://93.184.216.34/x', 'http://[2606:4700:4700::1111]/x']) {
      const reply = await acme.admin.post('/webhooks', { url, eventTypes: ['job.*'] });
      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({ code: 'WEBHOOK_URL_NOT_HTTPS' });
      expect(reply.body.detail).toContain('https://');
    }
    expect((await acme.admin.post('/webhooks', { url: 'http://127.0.0.1:9/allowed', eventTypes: ['job.*'] })).status).toBe(201);
    expect(await must(acme.admin.get('/webhooks'))).not.toContainEqual(expect.objectContaining({ url: 'http://10.0.0.1/x' }));
  });
});
