import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type { ApiClient } from '../../../test/support/api-client';
import { must, newTenant, startApi, type Tenant, windowAroundNow } from '../../../test/support/api';
import { type AppProcess, tryParse } from '../../../test/support/app-process';
import { eventually } from '../../../test/support/events';
import { newVapidKeyFile, type PushDelivery, type PushReceiver, startPushReceiver } from '../../../test/support/push-receiver';

// The API's half of Web Push against a local push service (test/support/push-receiver.ts) that decrypts
// each message with the subscription's private key (RFC 8291) and checks the VAPID JWT (RFC 8292).
// Events reach the sender through Kafka, as in production.

const SUBJECT = 'mailto:ops@fieldline.test';

let app: AppProcess;
let http: ApiClient;
let acme: Tenant;
let other: Tenant;
let receiver: PushReceiver;
let vapidKey: string;

beforeAll(async () => {
  receiver = await startPushReceiver();
  ({ app, http } = await startApi({
    VAPID_PRIVATE_KEY_FILE: newVapidKeyFile(),
    VAPID_SUBJECT: SUBJECT,
    // the receiver listens on loopback, which the rules refuse: this address (and only it) is let through over http
    PUSH_ALLOWED_HOSTS: '127.0.0.1',
    PUSH_ALLOW_HTTP: '1',
    // a group of this test's own (the suite's other APIs join and leave the shared one)
    PUSH_CONSUMER_GROUP: `e2e-push-${randomUUID()}`,
  }));
  [acme, other] = await Promise.all([newTenant(http), newTenant(http)]);
  vapidKey = (await must(http.get('/push/vapid-public-key'))).publicKey;
});
afterAll(async () => {
  await app?.stop();
  await receiver?.close();
});

const to = (endpoint: string) => receiver.deliveries.filter((d) => d.path === new URL(endpoint).pathname);
const messageOf = (d: PushDelivery) => d.message as { alert: string; title: string; body: string; tag: string; url: string };

it('refuses endpoints the outbound rules refuse, and answers the same subscription for the same endpoint', async () => {
  expect(vapidKey).toMatch(/^[A-Za-z0-9_-]{87}$/);
  const keys = receiver.subscribe().json.keys;
  const refused = await acme.technician.post('/push/subscriptions', { endpoint: 'https://10.1.2.3/push/x', keys });
  expect(refused.status).toBe(422);
  expect(refused.body).toMatchObject({ code: 'PUSH_ENDPOINT_REFUSED' });
  expect(refused.body.detail).toContain('push endpoint host 10.1.2.3 is not a public internet address');
  expect((await acme.technician.post('/push/subscriptions', { endpoint: 'http://localhost:9/x', keys })).status).toBe(422);
  expect((await acme.technician.post('/push/subscriptions', { endpoint: 'https://push.example.com/x', keys: { p256dh: 'short', auth: keys.auth } })).status).toBe(400);
  const sub = receiver.subscribe().json;
  const first = await must(acme.technician.post('/push/subscriptions', sub));
  const again = await must(acme.technician.post('/push/subscriptions', sub));
  expect(again.id).toBe(first.id);
  expect(first.alerts).toEqual(['job.assigned', 'job.changed', 'call.incoming']);
  expect(await must(acme.technician.get('/push/subscriptions'))).toEqual([again]);
  expect(await must(acme.dispatcher.get('/push/subscriptions'))).toEqual([]);
  expect((await acme.dispatcher.send('DELETE', `/push/subscriptions/${first.id}`)).status).toBe(404); // not theirs
  expect((await acme.technician.send('DELETE', `/push/subscriptions/${first.id}`)).status).toBe(204);
  expect(await must(acme.technician.get('/push/subscriptions'))).toEqual([]);
});

it("tells the technician of a job assigned and changed, a dispatcher what they chose, another tenant nothing, and forgets a subscription the push service calls gone", async () => {
  const phone = receiver.subscribe();
  const desk = receiver.subscribe();
  const otherPhone = receiver.subscribe();
  await must(acme.technician.post('/push/subscriptions', phone.json));
  await must(acme.dispatcher.post('/push/subscriptions', { ...desk.json, alerts: ['job.completed'] }));
  await must(other.technician.post('/push/subscriptions', otherPhone.json));
  // the push service is busy at first: a 429, then accepted
  receiver.answer(phone.endpoint, (n) => (n === 1 ? 429 : 201));

  const job = await must(acme.dispatcher.post('/jobs', { title: 'Boiler pressure drop', requiredSkills: [], window: windowAroundNow(4) }));
  await must(acme.dispatcher.post(`/jobs/${job.id}/assign`, { technicianId: acme.technicianId }));
  // another tenant's job, for their own technician's phone
  const theirs = await must(other.dispatcher.post('/jobs', { title: 'Not yours', requiredSkills: [], window: windowAroundNow(4) }));

  // the 429 is retried: the same message again
  const [busy, assigned] = await eventually('the assignment, twice', async () => (to(phone.endpoint).length >= 2 ? to(phone.endpoint) : undefined));
  expect(assigned!.error).toBeUndefined();
  expect(assigned!.message).toEqual(busy!.message);
  expect(messageOf(assigned!)).toMatchObject({ alert: 'job.assigned', title: 'Job assigned to you', body: 'Boiler pressure drop', tag: `job:${job.id}`, url: `/app/?job=${job.id}` });
  expect(assigned!.vapid).toEqual({ key: vapidKey, claims: { aud: receiver.origin, sub: SUBJECT, exp: expect.any(Number) } });
  expect(assigned!.vapid!.claims.exp * 1000).toBeGreaterThan(Date.now());
  expect(assigned!.vapid!.claims.exp * 1000).toBeLessThanOrEqual(Date.now() + 24 * 3600_000);
  expect(assigned!.headers).toMatchObject({ 'content-encoding': 'aes128gcm', urgency: 'high', ttl: String(24 * 3600) });

  await must(acme.dispatcher.post(`/jobs/${job.id}/priority`, { priority: 'urgent' }));
  const changed = await eventually('the change', async () => to(phone.endpoint).find((d) => messageOf(d)?.alert === 'job.changed'));
  expect(messageOf(changed)).toMatchObject({ title: 'Your job changed', body: 'Boiler pressure drop: priority now urgent', tag: `job:${job.id}` });

  // the technician's own steps tell them nothing; the dispatcher chose completions
  for (const step of ['travel', 'arrive']) await must(acme.technician.post(`/jobs/${job.id}/${step}`));
  await must(acme.technician.post(`/jobs/${job.id}/complete`, { summary: 'Valve replaced' }));
  const completed = await eventually('the completion', async () => to(desk.endpoint).find((d) => d.message !== undefined));
  expect(messageOf(completed)).toMatchObject({ alert: 'job.completed', title: 'Job completed', body: 'Boiler pressure drop by Tech' });
  expect(to(desk.endpoint)).toHaveLength(1); // not the assignment: not chosen, and not theirs

  // the push service says the phone's subscription is gone: it is removed
  receiver.answer(phone.endpoint, () => 410);
  const next = await must(acme.dispatcher.post('/jobs', { title: 'Second visit', requiredSkills: [], window: windowAroundNow(4) }));
  await must(acme.dispatcher.post(`/jobs/${next.id}/assign`, { technicianId: acme.technicianId }));
  await eventually('the gone subscription removed', async () => ((await must(acme.technician.get('/push/subscriptions'))).length === 0 ? true : undefined));
  expect(to(phone.endpoint).filter((d) => messageOf(d)?.body === 'Second visit')).toHaveLength(1); // a 410 is not retried

  // the other tenant's job events reached their tenant's consumer, never another tenant's phone
  await must(other.dispatcher.post(`/jobs/${theirs.id}/assign`, { technicianId: other.technicianId }));
  const theirAssignment = await eventually('their assignment', async () => to(otherPhone.endpoint).find((d) => d.message !== undefined));
  expect(messageOf(theirAssignment).body).toBe('Not yours');
  expect(receiver.deliveries.filter((d) => d.path !== new URL(otherPhone.endpoint).pathname).map((d) => messageOf(d)?.body)).not.toContain('Not yours');
  expect(receiver.deliveries.every((d) => d.error === undefined)).toBe(true);
});

it('without VAPID keys: the push routes say push is not configured, and no consumer group reads the topics for it', async () => {
  const groups = { push: `e2e-nopush-${randomUUID()}`, webhooks: `e2e-nopush-webhooks-${randomUUID()}` };
  const { app: bare, http: client } = await startApi({ PUSH_CONSUMER_GROUP: groups.push, WEBHOOK_CONSUMER_GROUP: groups.webhooks });
  const admin = new Kafka({ brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const refused = await client.get('/push/vapid-public-key');
    expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 404, code: 'PUSH_NOT_CONFIGURED' });
    // what the API starts on Kafka, as it says, and what Kafka sees once those groups joined
    const starting = bare.lines.map(tryParse).find((record) => record?.msg === 'Kafka event handlers starting');
    expect(starting?.handlers).toEqual(['webhooks']);
    await eventually('the webhook consumer group joined', async () => {
      const [group] = (await admin.describeGroups([groups.webhooks])).groups;
      return group?.state === 'Stable' ? group : undefined;
    });
    const [push] = (await admin.describeGroups([groups.push])).groups;
    expect({ state: push?.state, members: push?.members.length }).toEqual({ state: 'Dead', members: 0 });
  } finally {
    await admin.disconnect();
    await bare.stop();
  }
}, 90_000);
