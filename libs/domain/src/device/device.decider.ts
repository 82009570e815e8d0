import type { DeviceEventType, EventData } from '#libs/events';
import type { Command, Decider, DomainEvent } from '../shared/decider';
import { emit } from '../shared/emit';
import { DeviceError } from './device.errors';

// A device (phone, gateway, tracker) that may connect to ingest: which credential is valid now and
// whose telemetry it carries. The secret itself never enters an event; only its credential id.

export type DeviceKind = EventData<'device.provisioned'>['kind'];
export interface Subject {
  technicianId?: string;
  assetId?: string;
}

export type DeviceDomainEvent = DomainEvent<DeviceEventType>;
export type Device =
  | { status: 'initial' }
  | { status: 'active'; kind: DeviceKind; subject: Subject; credentialId: string }
  | { status: 'revoked' };

export type ProvisionDevice = Command<'ProvisionDevice', { kind: DeviceKind; credentialId: string } & Subject>;
/** Links to a technician or an asset; a device linked elsewhere is unlinked from there first. */
export type LinkDevice = Command<'LinkDevice', Subject>;
export type UnlinkDevice = Command<'UnlinkDevice', { reason?: string }>;
export type RotateDeviceCredentials = Command<'RotateDeviceCredentials', { credentialId: string }>;
export type RevokeDevice = Command<'RevokeDevice', { reason: string }>;
export type IssueDeviceCommand = Command<'IssueDeviceCommand', { commandId: string; command: string; args?: Record<string, unknown> }>;
export type DeviceCommand = ProvisionDevice | LinkDevice | UnlinkDevice | RotateDeviceCredentials | RevokeDevice | IssueDeviceCommand;

const event = <T extends DeviceEventType>(type: T, data: EventData<T>): DomainEvent<T> =>
  emit(type, data, (reason) => new DeviceError('INVALID_INPUT', reason));

const sameSubject = (a: Subject, b: Subject) => a.technicianId === b.technicianId && a.assetId === b.assetId;
const linked = (s: Subject) => s.technicianId !== undefined || s.assetId !== undefined;
const only = (s: Subject): Subject => (s.technicianId !== undefined ? { technicianId: s.technicianId } : s.assetId !== undefined ? { assetId: s.assetId } : {});

function active(device: Device): Extract<Device, { status: 'active' }> {
  if (device.status === 'initial') throw new DeviceError('DEVICE_NOT_FOUND', 'device does not exist');
  if (device.status === 'revoked') throw new DeviceError('DEVICE_REVOKED', 'device is revoked');
  return device;
}

export function decideDevice(command: DeviceCommand, device: Device, deviceId: string): DeviceDomainEvent[] {
  switch (command.type) {
    case 'ProvisionDevice': {
      if (device.status !== 'initial') throw new DeviceError('DEVICE_ALREADY_EXISTS', 'device already exists');
      const { kind, credentialId, ...subject } = command.data;
      return [event('device.provisioned', { deviceId, kind, ...only(subject) }), event('device.credentials_rotated', { deviceId, credentialId })];
    }
    case 'LinkDevice': {
      const current = active(device);
      const target = only(command.data);
      if (sameSubject(current.subject, target)) return [];
      return [
        ...(linked(current.subject) ? [event('device.unlinked', { deviceId, ...current.subject, reason: 'linked elsewhere' })] : []),
        event('device.linked', { deviceId, ...target }),
      ];
    }
    case 'UnlinkDevice': {
      const current = active(device);
      if (!linked(current.subject)) throw new DeviceError('DEVICE_NOT_LINKED', 'device is not linked to a technician or asset');
      return [event('device.unlinked', { deviceId, ...current.subject, ...(command.data.reason ? { reason: command.data.reason } : {}) })];
    }
    case 'RotateDeviceCredentials':
      active(device);
      return [event('device.credentials_rotated', { deviceId, credentialId: command.data.credentialId })];
    case 'RevokeDevice':
      active(device);
      return [event('device.revoked', { deviceId, reason: command.data.reason })];
    case 'IssueDeviceCommand':
      active(device);
      return [event('device.command_issued', { deviceId, ...command.data })];
    default: {
      const unknown: never = command;
      throw new Error(`unknown device command ${(unknown as { type: string }).type}`);
    }
  }
}

export function evolveDevice(device: Device, e: DeviceDomainEvent): Device {
  switch (e.type) {
    case 'device.provisioned':
      return device.status === 'initial' ? { status: 'active', kind: e.data.kind, subject: only(e.data), credentialId: '' } : device;
    case 'device.linked':
      return device.status === 'active' ? { ...device, subject: only(e.data) } : device;
    case 'device.unlinked':
      return device.status === 'active' ? { ...device, subject: {} } : device;
    case 'device.credentials_rotated':
      return device.status === 'active' ? { ...device, credentialId: e.data.credentialId } : device;
    case 'device.revoked':
      return { status: 'revoked' };
    case 'device.command_issued':
      return device;
    default: {
      const unexpected: never = e;
      return unexpected;
    }
  }
}

/** The device id is the stream id; commands carry only what the caller decides, so the decider closes over it. */
export const deviceDecider = (deviceId: string): Decider<Device, DeviceCommand, DeviceDomainEvent> => ({
  decide: (command, device) => decideDevice(command, device, deviceId),
  evolve: evolveDevice,
  initialState: () => ({ status: 'initial' }),
});
