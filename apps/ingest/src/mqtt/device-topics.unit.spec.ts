import type { KnownDevice } from '../devices/device.repository';
import { isUplinkTopic, mayPublish, ownCommandTopics } from './device-topics';

const tracker: KnownDevice = { deviceId: 'dev-1', tenantId: 't', kind: 'tracker', technicianId: null, assetId: 'van-1', owntracks: null };
const phone: KnownDevice = { ...tracker, deviceId: 'dev-2', kind: 'phone', owntracks: { user: 'ada', device: 'phone' } };

it.each([
  [tracker, 'fieldline/v1/dev-1/location', true],
  [tracker, 'fieldline/v1/dev-1/reading', true],
  [tracker, 'fieldline/v1/dev-1/status', true],
  [tracker, 'fieldline/v1/dev-1/cmd', false], // its own command topic is for the server to publish
  [tracker, 'fieldline/v1/dev-2/location', false],
  [tracker, 'fieldline/v1/dev-1/location/extra', false],
  [tracker, 'owntracks/ada/phone', false],
  [phone, 'owntracks/ada/phone', true],
  [phone, 'owntracks/ada/phone/event', true],
  [phone, 'owntracks/ada/phone/cmd', false],
  [phone, 'owntracks/ada/tablet', false],
  [phone, 'owntracks/bob/phone', false],
])('%#: %o may publish to %s: %s', (device, topic, allowed) => {
  expect(mayPublish(device, topic)).toBe(allowed);
});

it('lets a device subscribe to its command topics only, the OwnTracks one when linked', () => {
  expect(ownCommandTopics(tracker)).toEqual(['fieldline/v1/dev-1/cmd']);
  expect(ownCommandTopics(phone)).toEqual(['fieldline/v1/dev-2/cmd', 'owntracks/ada/phone/cmd']);
});

it('keeps in one process only what nobody may subscribe to: every topic a device may publish, none it may subscribe to, nor aedes\' own', () => {
  for (const device of [tracker, phone]) {
    for (const topic of ['fieldline/v1/dev-1/location', 'fieldline/v1/dev-1/reading', 'fieldline/v1/dev-1/status', 'owntracks/ada/phone', 'owntracks/ada/phone/event']) {
      if (mayPublish(device, topic)) expect(isUplinkTopic(topic)).toBe(true);
    }
    for (const topic of ownCommandTopics(device)) expect(isUplinkTopic(topic)).toBe(false);
  }
  expect(isUplinkTopic('$SYS/broker-1/new/clients')).toBe(false);
});
