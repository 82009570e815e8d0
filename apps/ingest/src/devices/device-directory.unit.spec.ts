import { hashGeneratedSecret, ManualClock } from '#libs/platform';
import { DeviceDirectory } from './device-directory.service';
import type { DeviceCredentials } from './device.repository';
import { InMemoryDeviceRepository } from './in-memory-device.repository';

// Logins and topic lookups against the devices table (in memory here), and the 30 s cache in front of it.

const phone: DeviceCredentials = {
  deviceId: 'dev-1',
  tenantId: 'tenant-1',
  kind: 'phone',
  technicianId: 'tech-1',
  assetId: null,
  owntracks: { user: 'ada', device: 'phone' },
  secretHash: hashGeneratedSecret('s3cret'),
};

function setup() {
  const devices = new InMemoryDeviceRepository();
  devices.put(phone);
  const clock = new ManualClock('2031-05-04T08:00:00Z');
  return { devices, clock, directory: new DeviceDirectory(devices, clock) };
}

describe('authenticate', () => {
  it('answers the device for its own secret, without the stored hash', async () => {
    const { directory } = setup();
    const device = await directory.authenticate('dev-1', 's3cret');
    expect(device).toEqual({ deviceId: 'dev-1', tenantId: 'tenant-1', kind: 'phone', technicianId: 'tech-1', assetId: null, owntracks: { user: 'ada', device: 'phone' } });
    expect(device).not.toHaveProperty('secretHash');
  });

  it('refuses a wrong secret, an unknown device and a revoked one', async () => {
    const { directory, devices } = setup();
    expect(await directory.authenticate('dev-1', 'guess')).toBeUndefined();
    expect(await directory.authenticate('dev-2', 's3cret')).toBeUndefined();
    devices.put({ ...phone, deviceId: 'dev-3' }, false);
    expect(await directory.authenticate('dev-3', 's3cret')).toBeUndefined();
  });

  it('remembers a successful login for 30 s: a rotated secret takes effect after that, not before', async () => {
    const { directory, devices, clock } = setup();
    await directory.authenticate('dev-1', 's3cret');
    devices.put({ ...phone, secretHash: hashGeneratedSecret('rotated') });
    clock.advance(29_999);
    expect(await directory.authenticate('dev-1', 's3cret')).toMatchObject({ deviceId: 'dev-1' });
    expect(devices.lookups).toBe(1);
    clock.advance(1);
    expect(await directory.authenticate('dev-1', 's3cret')).toBeUndefined();
    expect(await directory.authenticate('dev-1', 'rotated')).toMatchObject({ deviceId: 'dev-1' });
  });

  it('does not remember failures: the secret is checked again on the next attempt', async () => {
    const { directory, devices } = setup();
    await directory.authenticate('dev-1', 'guess');
    await directory.authenticate('dev-1', 'guess');
    expect(devices.lookups).toBe(2);
  });

  it('throws when the table cannot be read, and a later attempt reads it again', async () => {
    const { directory, devices } = setup();
    devices.failWith = new Error('connection refused');
    await expect(directory.authenticate('dev-1', 's3cret')).rejects.toThrow('connection refused');
    devices.failWith = undefined;
    expect(await directory.authenticate('dev-1', 's3cret')).toMatchObject({ deviceId: 'dev-1' });
  });
});

describe('byTopic', () => {
  it('finds the device a fieldline or OwnTracks topic names, and nothing for any other topic', async () => {
    const { directory, devices } = setup();
    expect(await directory.byTopic('fieldline/v1/dev-1/location')).toMatchObject({ deviceId: 'dev-1' });
    expect(await directory.byTopic('owntracks/ada/phone/event')).toMatchObject({ deviceId: 'dev-1' });
    expect(await directory.byTopic('owntracks/ada/tablet')).toBeUndefined();
    expect(await directory.byTopic('fieldline/v1/dev-9/location')).toBeUndefined();
    expect(await directory.byTopic('$SYS/broker/uptime')).toBeUndefined();
    expect(devices.lookups).toBe(4); // the last one needs no lookup
    expect(await directory.byTopic('fieldline/v1/dev-1/status')).not.toHaveProperty('secretHash');
  });

  it('remembers the answer, a missing device too, for 30 s', async () => {
    const { directory, devices, clock } = setup();
    expect(await directory.byTopic('fieldline/v1/dev-2/location')).toBeUndefined();
    devices.put({ ...phone, deviceId: 'dev-2', owntracks: null });
    devices.delete('dev-1');
    await directory.byTopic('fieldline/v1/dev-1/location');
    clock.advance(29_999);
    expect(await directory.byTopic('fieldline/v1/dev-2/reading')).toBeUndefined();
    expect(devices.lookups).toBe(2);
    clock.advance(1);
    expect(await directory.byTopic('fieldline/v1/dev-2/reading')).toMatchObject({ deviceId: 'dev-2' });
    expect(await directory.byTopic('fieldline/v1/dev-1/location')).toBeUndefined();
  });
});
