import type { Command } from '../shared/decider';
import type { DeviceKind, Subject } from './device.state';

// The device is identified by its stream; commands carry only what the caller decides.

export type ProvisionDevice = Command<'ProvisionDevice', { kind: DeviceKind; credentialId: string } & Subject>;
/** Links to a technician or an asset; a device linked elsewhere is unlinked from there first. */
export type LinkDevice = Command<'LinkDevice', Subject>;
export type UnlinkDevice = Command<'UnlinkDevice', { reason?: string }>;
export type RotateDeviceCredentials = Command<'RotateDeviceCredentials', { credentialId: string }>;
export type RevokeDevice = Command<'RevokeDevice', { reason: string }>;
/** A certificate the API signed (its serial, SHA-256 fingerprint and end), recorded on the device. */
export type IssueDeviceCertificate = Command<'IssueDeviceCertificate', { serial: string; fingerprint: string; notAfter: string }>;
export type RevokeDeviceCertificate = Command<'RevokeDeviceCertificate', { serial: string; reason: string }>;
export type IssueDeviceCommand = Command<'IssueDeviceCommand', { commandId: string; command: string; args?: Record<string, unknown> }>;

export type DeviceCommand = ProvisionDevice | LinkDevice | UnlinkDevice | RotateDeviceCredentials | RevokeDevice | IssueDeviceCommand | IssueDeviceCertificate | RevokeDeviceCertificate;

export type DeviceCommandType = DeviceCommand['type'];
