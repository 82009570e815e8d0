import type { KnownDevice } from '../devices/device.repository';
import { PresenceSessions } from './presence-sessions';

const phone: KnownDevice = { deviceId: 'dev-1', tenantId: 't', kind: 'phone', technicianId: 'tech-1', assetId: null, owntracks: null };
const T0 = Date.parse('2031-05-04T08:00:00Z');

it('is online from the first session to the end of the last, so a second session does not flap', () => {
  const sessions = new PresenceSessions();
  expect(sessions.open(phone, 'dev-1', T0)).toBe(true);
  expect(sessions.open(phone, 'dev-1:web', T0 + 1_000)).toBe(false);
  expect(sessions.close('dev-1', 'dev-1')).toBe(false);
  expect(sessions.close('dev-1', 'dev-1:web')).toBe(true);
  expect(sessions.open(phone, 'dev-1', T0 + 2_000)).toBe(true); // back online
});

it('ignores the end of a session it never saw open', () => {
  const sessions = new PresenceSessions();
  expect(sessions.close('dev-1', 'dev-1')).toBe(false);
  sessions.open(phone, 'dev-1', T0);
  expect(sessions.close('dev-1', 'someone-else')).toBe(false);
  expect(sessions.close('dev-1', 'dev-1')).toBe(true);
  expect(sessions.close('dev-1', 'dev-1')).toBe(false);
});

it('reports a silent device stale once, and again only after it spoke and fell silent again', () => {
  const sessions = new PresenceSessions();
  sessions.open(phone, 'dev-1', T0);
  expect(sessions.staleSince(T0 - 1)).toEqual([]);
  expect(sessions.staleSince(T0)).toEqual([{ device: phone, lastSeen: T0 }]);
  expect(sessions.staleSince(T0 + 60_000)).toEqual([]);
  sessions.seen('dev-1', T0 + 90_000);
  expect(sessions.staleSince(T0 + 60_000)).toEqual([]);
  expect(sessions.staleSince(T0 + 90_000)).toEqual([{ device: phone, lastSeen: T0 + 90_000 }]);
});

it('forgets a device once it is offline: no stale report for it', () => {
  const sessions = new PresenceSessions();
  sessions.open(phone, 'dev-1', T0);
  sessions.close('dev-1', 'dev-1');
  sessions.seen('dev-1', T0 + 1_000);
  expect(sessions.staleSince(T0 + 60_000)).toEqual([]);
});
