import pino from 'pino';
import type { WebSocket } from 'ws';
import type { OutgoingRecord } from '#libs/kafka';
import { ManualClock } from '#libs/platform';
import type { PresenceFrame } from '#libs/realtime-client';
import { type Caller, Connection } from '../connection/connection';
import type { RealtimeOptions } from '../realtime.options';
import { InMemoryPresenceStore } from './in-memory-presence.store';
import { PresenceService } from './presence.service';

const T0 = Date.parse('2031-03-01T09:00:00.000Z');
const TTL_MS = 30_000;
const IDLE_MS = 300_000;
const tenant = 'acme';
const ada: Caller = { tenantId: tenant, userId: 'u-ada', role: 'technician', technicianId: 'tech-ada' };
const dora: Caller = { tenantId: tenant, userId: 'u-dora', role: 'dispatcher' };

const running: PresenceService[] = [];

/** One realtime node: its presence service over the shared store, what it told its sockets and Kafka. */
function node(store: InMemoryPresenceStore, clock: ManualClock, nodeId = 'node-a') {
  const told: PresenceFrame[] = [];
  const events: { type: string; data: Record<string, unknown>; occurredAt: string }[] = [];
  const kafka = {
    send: async (records: OutgoingRecord[]) => {
      for (const r of records) {
        const event = JSON.parse(String(r.value)) as { data: Record<string, unknown>; occurredAt: string };
        events.push({ type: r.headers!['event-type']!, data: event.data, occurredAt: event.occurredAt });
      }
    },
  };
  const options: RealtimeOptions = {
    logger: pino({ level: 'silent' }),
    nodeId,
    maxConnections: 100,
    heartbeatMs: 15_000,
    highWaterBytes: 1_000,
    maxQueued: 10,
    presenceTtlMs: TTL_MS,
    presenceIdleMs: IDLE_MS,
  };
  const service = new PresenceService(store, kafka, clock, options);
  running.push(service);
  service.onChange((tenantId, frame) => tenantId === tenant && told.push(frame));
  const connect = async (caller: Caller) => {
    const connection = new Connection({} as WebSocket, caller, { highWaterBytes: 1_000, maxQueued: 10 }, clock.now().getTime());
    await service.connected(connection);
    return connection;
  };
  return { service, told, events, connect };
}

async function given() {
  const clock = new ManualClock(T0);
  const store = new InMemoryPresenceStore();
  const a = node(store, clock, 'node-a');
  await a.service.onApplicationBootstrap();
  return { clock, store, a };
}

// Stops the heartbeat timers (the test calls `heartbeat()` itself, at the moments it sets).
afterEach(async () => {
  await Promise.all(running.splice(0).map((service) => service.onApplicationShutdown()));
});

describe('presence of a user across connections', () => {
  it('a first connection makes the user online, once: told to the sockets and recorded as an event', async () => {
    const { a } = await given();

    await a.connect(dora);
    await a.connect(dora); // a second tab

    expect(a.told).toEqual([{ userId: 'u-dora', state: 'online' }]);
    expect(a.events).toEqual([{ type: 'presence.user_online', data: { userId: 'u-dora' }, occurredAt: '2031-03-01T09:00:00.000Z' }]);
    expect(await a.service.snapshot(tenant)).toEqual([{ userId: 'u-dora', state: 'online' }]);
  });

  it('a user who says they are idle is idle, and online again when active', async () => {
    const { clock, a } = await given();
    const tab = await a.connect(dora);

    clock.advance(60_000);
    await a.service.activity(tab, 'idle');
    clock.advance(60_000);
    await a.service.activity(tab, 'active');

    expect(a.told.map((f) => f.state)).toEqual(['online', 'idle', 'online']);
    expect(a.events.map((e) => e.type)).toEqual(['presence.user_online', 'presence.user_idle', 'presence.user_online']);
  });

  it('is offline when the last connection closes, seen last at that moment; earlier closes change nothing', async () => {
    const { clock, a } = await given();
    const first = await a.connect(dora);
    const second = await a.connect(dora);

    clock.advance(5_000);
    await a.service.disconnected(first);
    clock.advance(5_000);
    await a.service.disconnected(second);

    expect(a.told).toEqual([
      { userId: 'u-dora', state: 'online' },
      { userId: 'u-dora', state: 'offline', lastSeenAt: '2031-03-01T09:00:10.000Z' },
    ]);
    expect(a.events.at(-1)).toEqual({ type: 'presence.user_offline', data: { userId: 'u-dora', lastSeenAt: '2031-03-01T09:00:10.000Z' }, occurredAt: '2031-03-01T09:00:10.000Z' });
  });
});

describe('the heartbeat', () => {
  it('turns a user idle once no connection was active for the idle time, not before', async () => {
    const { clock, a } = await given();
    await a.connect(dora);

    clock.advance(IDLE_MS - 1_000);
    await a.service.heartbeat();
    expect(a.told.map((f) => f.state)).toEqual(['online']);

    clock.advance(1_000);
    await a.service.heartbeat();
    expect(a.told.map((f) => f.state)).toEqual(['online', 'idle']);
  });

  it('keeps the connections of a live node: renewed records never expire', async () => {
    const { clock, a } = await given();
    await a.connect(dora);

    for (let i = 0; i < 6; i++) {
      clock.advance(TTL_MS / 3);
      await a.service.heartbeat();
    }

    expect(a.told.map((f) => f.state)).toEqual(['online']);
  });

  it('takes a crashed node’s users offline after the TTL, seen last when their records expired', async () => {
    const { clock, store, a } = await given();
    await a.connect(dora); // node-a then crashes: it renews nothing more
    const b = node(store, clock, 'node-b');
    await b.service.onApplicationBootstrap();

    clock.advance(TTL_MS);
    await b.service.heartbeat();
    expect(b.told).toEqual([]); // expiring exactly now is not yet expired

    clock.advance(1);
    await b.service.heartbeat();

    expect(b.told).toEqual([{ userId: 'u-dora', state: 'offline', lastSeenAt: '2031-03-01T09:00:30.000Z' }]);
    expect(b.events.map((e) => e.type)).toEqual(['presence.user_offline']);
    expect(store.connectionsOf(tenant, 'u-dora').size).toBe(0);
    expect(await store.tenants()).toEqual([tenant]);
    await b.service.heartbeat();
    expect(await store.tenants()).toEqual([]); // nobody left to sweep for in this tenant
  });

  it('evaluates only the users whose deadline passed', async () => {
    const { clock, store, a } = await given();
    await a.connect(dora);
    clock.advance(10_000);
    await a.connect(ada);

    expect(store.deadlineOf(tenant, 'u-dora')).toBe(T0 + TTL_MS);
    expect(store.deadlineOf(tenant, 'u-ada')).toBe(T0 + 10_000 + TTL_MS);
    expect(await store.dueUsers(tenant, T0 + TTL_MS, 10)).toEqual(['u-dora']);
  });
});

describe('a technician’s phone', () => {
  it('keeps the technician online without a socket, until it goes away too (seen last then)', async () => {
    const { clock, store, a } = await given();
    const tab = await a.connect(ada);
    store.setDevice(tenant, 'tech-ada', 'phone-1', true);
    await a.service.deviceChanged(tenant, 'tech-ada');

    clock.advance(1_000);
    await a.service.disconnected(tab);
    clock.advance(1_000);
    store.setDevice(tenant, 'tech-ada', 'phone-1', false);
    await a.service.deviceChanged(tenant, 'tech-ada');

    expect(a.told).toEqual([
      { userId: 'u-ada', state: 'online', technicianId: 'tech-ada', device: false },
      { userId: 'u-ada', state: 'online', technicianId: 'tech-ada', device: true },
      { userId: 'u-ada', state: 'offline', technicianId: 'tech-ada', device: false, lastSeenAt: '2031-03-01T09:00:02.000Z' }, // when the phone went
    ]);
  });

  it('changes nothing for a technician whose user never connected', async () => {
    const { store, a } = await given();
    store.setDevice(tenant, 'tech-bo', 'phone-2', true);

    await a.service.deviceChanged(tenant, 'tech-bo');

    expect(a.told).toEqual([]);
    expect(await a.service.snapshot(tenant)).toEqual([]);
  });
});
