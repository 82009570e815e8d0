import type { DeviceEventType, EventData } from '#libs/events';
import type { DomainEvent } from '../shared/decider';

// A device (phone, gateway, tracker) that may connect to ingest: which credential is valid now and
// whose telemetry it carries. The secret itself never enters an event; only its credential id.

export type DeviceKind = EventData<'device.provisioned'>['kind'];
/** Whose telemetry the device carries: a technician, an asset, or (both absent) no one. */
export interface Subject {
  technicianId?: string;
  assetId?: string;
}

export type DeviceDomainEvent = DomainEvent<DeviceEventType>;

export interface DeviceInitial {
  status: 'initial';
}
export interface ActiveDevice {
  status: 'active';
  kind: DeviceKind;
  subject: Subject;
  credentialId: string;
  /** Serials of the certificates issued to it and not revoked (expired ones too: revoking them is harmless). */
  certificates: string[];
}
export interface RevokedDevice {
  status: 'revoked';
}

export type Device = DeviceInitial | ActiveDevice | RevokedDevice;
export type DeviceStatus = Device['status'];

export const initialDeviceState = (): Device => ({ status: 'initial' });

/** A device carries one subject at a time: the technician if given, else the asset, else none. */
export const subjectOf = (s: Subject): Subject =>
  s.technicianId !== undefined ? { technicianId: s.technicianId } : s.assetId !== undefined ? { assetId: s.assetId } : {};

/** Events are facts: one that cannot apply (corrupt stream) leaves the state as it is. */
export function evolveDevice(device: Device, e: DeviceDomainEvent): Device {
  switch (e.type) {
    case 'device.provisioned':
      return device.status === 'initial' ? { status: 'active', kind: e.data.kind, subject: subjectOf(e.data), credentialId: '', certificates: [] } : device;
    case 'device.linked':
      return device.status === 'active' ? { ...device, subject: subjectOf(e.data) } : device;
    case 'device.unlinked':
      return device.status === 'active' ? { ...device, subject: {} } : device;
    case 'device.credentials_rotated':
      return device.status === 'active' ? { ...device, credentialId: e.data.credentialId } : device;
    case 'device.revoked':
      return { status: 'revoked' };
    case 'device.certificate_issued':
      return device.status === 'active' ? { ...device, certificates: [...device.certificates, e.data.serial] } : device;
    case 'device.certificate_revoked':
      return device.status === 'active' ? { ...device, certificates: device.certificates.filter((s) => s !== e.data.serial) } : device;
    case 'device.command_issued':
      return device;
    default: {
      const unexpected: never = e;
      return unexpected;
    }
  }
}
