import type { DeviceEventType, EventData } from '#libs/events';
import type { Decider, DomainEvent } from '../shared/decider';
import { emit } from '../shared/emit';
import type {
  DeviceCommand,
  IssueDeviceCertificate,
  IssueDeviceCommand,
  LinkDevice,
  ProvisionDevice,
  RevokeDevice,
  RevokeDeviceCertificate,
  RotateDeviceCredentials,
  UnlinkDevice,
} from './device.commands';
import { DeviceError } from './device.errors';
import { type ActiveDevice, type Device, type DeviceDomainEvent, evolveDevice, initialDeviceState, type Subject, subjectOf } from './device.state';

const event = <T extends DeviceEventType>(type: T, data: EventData<T>): DomainEvent<T> =>
  emit(type, data, (reason) => new DeviceError('INVALID_INPUT', reason));

const sameSubject = (a: Subject, b: Subject) => a.technicianId === b.technicianId && a.assetId === b.assetId;
const linked = (s: Subject) => s.technicianId !== undefined || s.assetId !== undefined;

function active(device: Device): ActiveDevice {
  if (device.status === 'initial') throw new DeviceError('DEVICE_NOT_FOUND', 'device does not exist');
  if (device.status === 'revoked') throw new DeviceError('DEVICE_REVOKED', 'device is revoked');
  return device;
}

/** The first credential comes with provisioning, so a provisioned device can always connect. */
export function provisionDevice(command: ProvisionDevice, device: Device, deviceId: string): DeviceDomainEvent[] {
  if (device.status !== 'initial') throw new DeviceError('DEVICE_ALREADY_EXISTS', 'device already exists');
  const { kind, credentialId, ...subject } = command.data;
  return [event('device.provisioned', { deviceId, kind, ...subjectOf(subject) }), event('device.credentials_rotated', { deviceId, credentialId })];
}

/** Linking to the subject it already carries decides nothing. */
export function linkDevice(command: LinkDevice, device: Device, deviceId: string): DeviceDomainEvent[] {
  const current = active(device);
  const target = subjectOf(command.data);
  if (sameSubject(current.subject, target)) return [];
  return [
    ...(linked(current.subject) ? [event('device.unlinked', { deviceId, ...current.subject, reason: 'linked elsewhere' })] : []),
    event('device.linked', { deviceId, ...target }),
  ];
}

export function unlinkDevice(command: UnlinkDevice, device: Device, deviceId: string): DeviceDomainEvent[] {
  const current = active(device);
  if (!linked(current.subject)) throw new DeviceError('DEVICE_NOT_LINKED', 'device is not linked to a technician or asset');
  return [event('device.unlinked', { deviceId, ...current.subject, ...(command.data.reason ? { reason: command.data.reason } : {}) })];
}

export function rotateDeviceCredentials(command: RotateDeviceCredentials, device: Device, deviceId: string): DeviceDomainEvent[] {
  active(device);
  return [event('device.credentials_rotated', { deviceId, credentialId: command.data.credentialId })];
}

export function revokeDevice(command: RevokeDevice, device: Device, deviceId: string): DeviceDomainEvent[] {
  active(device);
  return [event('device.revoked', { deviceId, reason: command.data.reason })];
}

export function issueDeviceCommand(command: IssueDeviceCommand, device: Device, deviceId: string): DeviceDomainEvent[] {
  active(device);
  return [event('device.command_issued', { deviceId, ...command.data })];
}

export function issueDeviceCertificate(command: IssueDeviceCertificate, device: Device, deviceId: string): DeviceDomainEvent[] {
  active(device);
  return [event('device.certificate_issued', { deviceId, ...command.data })];
}

/** Only a certificate issued to this device and still valid; revocation is final. */
export function revokeDeviceCertificate(command: RevokeDeviceCertificate, device: Device, deviceId: string): DeviceDomainEvent[] {
  const current = active(device);
  if (!current.certificates.includes(command.data.serial)) throw new DeviceError('CERTIFICATE_NOT_FOUND', `device ${deviceId} has no valid certificate with serial ${command.data.serial}`);
  return [event('device.certificate_revoked', { deviceId, ...command.data })];
}

export function decideDevice(command: DeviceCommand, device: Device, deviceId: string): DeviceDomainEvent[] {
  switch (command.type) {
    case 'ProvisionDevice':
      return provisionDevice(command, device, deviceId);
    case 'LinkDevice':
      return linkDevice(command, device, deviceId);
    case 'UnlinkDevice':
      return unlinkDevice(command, device, deviceId);
    case 'RotateDeviceCredentials':
      return rotateDeviceCredentials(command, device, deviceId);
    case 'RevokeDevice':
      return revokeDevice(command, device, deviceId);
    case 'IssueDeviceCommand':
      return issueDeviceCommand(command, device, deviceId);
    case 'IssueDeviceCertificate':
      return issueDeviceCertificate(command, device, deviceId);
    case 'RevokeDeviceCertificate':
      return revokeDeviceCertificate(command, device, deviceId);
    default: {
      const unknown: never = command;
      throw new Error(`unknown device command ${(unknown as { type: string }).type}`);
    }
  }
}

/** The device id is the stream id; commands carry only what the caller decides, so the decider closes over it. */
export const deviceDecider = (deviceId: string): Decider<Device, DeviceCommand, DeviceDomainEvent> => ({
  decide: (command, device) => decideDevice(command, device, deviceId),
  evolve: evolveDevice,
  initialState: initialDeviceState,
});
