import type { KnownDevice } from '../devices/device.repository';
import { mapMessage, mapOsmAnd } from './telemetry-mapper';

// The payload dialects, case by case (the e2e tests cover the wire and Kafka).

const device: KnownDevice = { deviceId: 'dev-1', tenantId: 't', kind: 'phone', technicianId: 'tech-1', assetId: null, owntracks: { user: 'ada', device: 'phone' } };
const now = new Date('2031-05-04T08:00:00Z');
const limits = { maxFutureSkewS: 300, maxAgeS: 86_400 };
const map = (topic: string, body: unknown) => mapMessage(topic, Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), device, now, limits);

it('maps OwnTracks transitions to a status and acknowledges lwt without an event', () => {
  const enter = map('owntracks/ada/phone/event', { _type: 'transition', event: 'enter', desc: 'Depot', tst: now.getTime() / 1000 - 5 });
  expect(enter).toMatchObject({ ok: true, type: 'telemetry.status_reported', data: { status: 'geofence_enter:Depot' } });
  expect(map('owntracks/ada/phone', { _type: 'lwt', tst: 1 })).toMatchObject({ ok: true, type: 'ignored' });
  expect(map('owntracks/ada/phone/event', { _type: 'transition', event: 'wander' })).toMatchObject({ ok: false, code: 'invalid_payload' });
});

it('gives a device retry of the same fix the same message id, and a different fix another', () => {
  const fix = { lat: 1, lon: 2, ts: '2031-05-04T07:59:00Z' };
  const a = map('fieldline/v1/dev-1/location', fix);
  const b = map('fieldline/v1/dev-1/location', fix);
  const c = map('fieldline/v1/dev-1/location', { ...fix, lat: 1.1 });
  const id = (m: ReturnType<typeof map>) => (m.ok && m.type !== 'ignored' ? m.data.messageId : undefined);
  expect(id(a)).toBe(id(b));
  expect(id(a)).not.toBe(id(c));
});

it.each([
  ['a JSON array', [], 'invalid_payload'],
  ['a string latitude', { lat: '52', lon: 13 }, 'invalid_payload'],
  ['longitude 181', { lat: 0, lon: 181 }, 'invalid_payload'],
  ['a time 10 minutes ahead', { lat: 0, lon: 0, ts: '2031-05-04T08:10:00Z' }, 'timestamp_out_of_range'],
  ['a time 2 days old', { lat: 0, lon: 0, ts: '2031-05-02T08:00:00Z' }, 'timestamp_out_of_range'],
  ['an unparseable time', { lat: 0, lon: 0, ts: 'yesterday' }, 'invalid_payload'],
])('refuses %s', (_name, body, code) => {
  expect(map('fieldline/v1/dev-1/location', body)).toMatchObject({ ok: false, code });
});

it('keeps the device time of a late fix and the OsmAnd speed in m/s', () => {
  const late = map('fieldline/v1/dev-1/location', { lat: 0, lon: 0, ts: '2031-05-04T02:00:00Z' });
  expect(late).toMatchObject({ ok: true, occurredAt: new Date('2031-05-04T02:00:00Z') });
  const osmand = mapOsmAnd({ id: 'dev-1', lat: '1', lon: '2', timestamp: String(now.getTime()), speed: '1' }, Buffer.from('q'), device, now, limits);
  expect(osmand).toMatchObject({ ok: true, occurredAt: now, data: { speedMps: 0.514444, source: 'osmand' } }); // ms timestamps accepted
});
