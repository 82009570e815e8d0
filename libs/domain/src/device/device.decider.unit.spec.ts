import { context } from '../testing/job.fixtures';
import { deciderSpec } from '../testing/decider-spec';
import { type DeviceCommand, type DeviceDomainEvent, deviceDecider } from './device.decider';

const spec = deciderSpec(deviceDecider('dev-1'));
const cmd = <T extends DeviceCommand['type']>(type: T, data: Extract<DeviceCommand, { type: T }>['data']) =>
  ({ type, data, context: context() }) as DeviceCommand;

const provisioned: DeviceDomainEvent[] = [
  { type: 'device.provisioned', data: { deviceId: 'dev-1', kind: 'phone', technicianId: 'tech-1' } },
  { type: 'device.credentials_rotated', data: { deviceId: 'dev-1', credentialId: 'cred-1' } },
];
const revoked: DeviceDomainEvent[] = [...provisioned, { type: 'device.revoked', data: { deviceId: 'dev-1', reason: 'lost' } }];

it('provisions with its first credential', () => {
  spec.given([]).when(cmd('ProvisionDevice', { kind: 'phone', technicianId: 'tech-1', credentialId: 'cred-1' })).then(provisioned);
});

it('relinks: unlinked from the old technician first, then linked', () => {
  spec.given(provisioned).when(cmd('LinkDevice', { technicianId: 'tech-2' })).then([
    { type: 'device.unlinked', data: { deviceId: 'dev-1', technicianId: 'tech-1', reason: 'linked elsewhere' } },
    { type: 'device.linked', data: { deviceId: 'dev-1', technicianId: 'tech-2' } },
  ]);
  spec.given(provisioned).when(cmd('LinkDevice', { technicianId: 'tech-1' })).thenNothing();
});

it('rotates credentials and records only the credential id', () => {
  spec.given(provisioned).when(cmd('RotateDeviceCredentials', { credentialId: 'cred-2' })).thenState({
    status: 'active', kind: 'phone', subject: { technicianId: 'tech-1' }, credentialId: 'cred-2',
  });
});

it.each([
  ['ProvisionDevice on an existing device', provisioned, cmd('ProvisionDevice', { kind: 'phone', credentialId: 'c' }), 'DEVICE_ALREADY_EXISTS'],
  ['LinkDevice on an unknown device', [], cmd('LinkDevice', { technicianId: 't' }), 'DEVICE_NOT_FOUND'],
  ['RotateDeviceCredentials when revoked', revoked, cmd('RotateDeviceCredentials', { credentialId: 'c' }), 'DEVICE_REVOKED'],
  ['RevokeDevice twice', revoked, cmd('RevokeDevice', { reason: 'again' }), 'DEVICE_REVOKED'],
  ['UnlinkDevice when not linked', [...provisioned, { type: 'device.unlinked', data: { deviceId: 'dev-1', technicianId: 'tech-1' } }] as DeviceDomainEvent[], cmd('UnlinkDevice', {}), 'DEVICE_NOT_LINKED'],
  ['a blank revocation reason', provisioned, cmd('RevokeDevice', { reason: '' }), 'INVALID_INPUT'],
] as const)('refuses %s', (_name, given, command, code) => {
  spec.given(given as DeviceDomainEvent[]).when(command).thenThrows({ code });
});

it('issues downlink commands to an active device only', () => {
  spec.given(provisioned).when(cmd('IssueDeviceCommand', { commandId: 'c-1', command: 'reboot' })).then([
    { type: 'device.command_issued', data: { deviceId: 'dev-1', commandId: 'c-1', command: 'reboot' } },
  ]);
  spec.given(revoked).when(cmd('IssueDeviceCommand', { commandId: 'c-2', command: 'reboot' })).thenThrows({ code: 'DEVICE_REVOKED' });
  spec.given(provisioned).when(cmd('IssueDeviceCommand', { commandId: 'c-3', command: 'Not A Command!' })).thenThrows({ code: 'INVALID_INPUT' });
});
