import { context } from '../testing/job.fixtures';
import { deciderSpec } from '../testing/decider-spec';
import type { DeviceCommand, DeviceCommandType } from './device.commands';
import { deviceDecider } from './device.decider';
import type { DeviceErrorCode } from './device.errors';
import type { DeviceDomainEvent } from './device.state';

const spec = deciderSpec(deviceDecider('dev-1'));
const cmd = <T extends DeviceCommandType>(type: T, data: Extract<DeviceCommand, { type: T }>['data']) =>
  ({ type, data, context: context() }) as DeviceCommand;

const provisioned: DeviceDomainEvent[] = [
  { type: 'device.provisioned', data: { deviceId: 'dev-1', kind: 'phone', technicianId: 'tech-1' } },
  { type: 'device.credentials_rotated', data: { deviceId: 'dev-1', credentialId: 'cred-1' } },
];
const unlinked: DeviceDomainEvent = { type: 'device.unlinked', data: { deviceId: 'dev-1', technicianId: 'tech-1' } };
const revoked: DeviceDomainEvent[] = [...provisioned, { type: 'device.revoked', data: { deviceId: 'dev-1', reason: 'lost' } }];

// Every device command in every device state, like the job matrix.

const commands: Record<DeviceCommandType, DeviceCommand> = {
  ProvisionDevice: cmd('ProvisionDevice', { kind: 'phone', technicianId: 'tech-1', credentialId: 'cred-1' }),
  LinkDevice: cmd('LinkDevice', { technicianId: 'tech-2' }),
  UnlinkDevice: cmd('UnlinkDevice', { reason: 'handed back' }),
  RotateDeviceCredentials: cmd('RotateDeviceCredentials', { credentialId: 'cred-2' }),
  RevokeDevice: cmd('RevokeDevice', { reason: 'stolen' }),
  IssueDeviceCommand: cmd('IssueDeviceCommand', { commandId: 'c-1', command: 'reboot' }),
  IssueDeviceCertificate: cmd('IssueDeviceCertificate', { serial: '0b0b', fingerprint: 'cd'.repeat(32), notAfter: '2027-12-01T00:00:00.000Z' }),
  RevokeDeviceCertificate: cmd('RevokeDeviceCertificate', { serial: '0a0a', reason: 'key leaked' }),
};
const certificateIssued: DeviceDomainEvent = { type: 'device.certificate_issued', data: { deviceId: 'dev-1', serial: '0a0a', fingerprint: 'ab'.repeat(32), notAfter: '2027-12-01T00:00:00.000Z' } };

const histories = {
  initial: [],
  linked: provisioned,
  unlinked: [...provisioned, unlinked],
  certified: [...provisioned, certificateIssued],
  revoked,
} satisfies Record<string, DeviceDomainEvent[]>;
type History = keyof typeof histories;

const rotated: DeviceDomainEvent = { type: 'device.credentials_rotated', data: { deviceId: 'dev-1', credentialId: 'cred-2' } };
const revokedNow: DeviceDomainEvent = { type: 'device.revoked', data: { deviceId: 'dev-1', reason: 'stolen' } };
const issued: DeviceDomainEvent = { type: 'device.command_issued', data: { deviceId: 'dev-1', commandId: 'c-1', command: 'reboot' } };
const linkedToTech2: DeviceDomainEvent = { type: 'device.linked', data: { deviceId: 'dev-1', technicianId: 'tech-2' } };
const issuedCertificate: DeviceDomainEvent = { type: 'device.certificate_issued', data: { deviceId: 'dev-1', serial: '0b0b', fingerprint: 'cd'.repeat(32), notAfter: '2027-12-01T00:00:00.000Z' } };
const activeCommon = { RotateDeviceCredentials: [rotated], RevokeDevice: [revokedNow], IssueDeviceCommand: [issued], IssueDeviceCertificate: [issuedCertificate] };

const valid: Record<History, Partial<Record<DeviceCommandType, DeviceDomainEvent[]>>> = {
  initial: { ProvisionDevice: provisioned },
  linked: {
    LinkDevice: [{ type: 'device.unlinked', data: { deviceId: 'dev-1', technicianId: 'tech-1', reason: 'linked elsewhere' } }, linkedToTech2],
    UnlinkDevice: [{ type: 'device.unlinked', data: { deviceId: 'dev-1', technicianId: 'tech-1', reason: 'handed back' } }],
    ...activeCommon,
  },
  unlinked: { LinkDevice: [linkedToTech2], ...activeCommon },
  certified: {
    UnlinkDevice: [{ type: 'device.unlinked', data: { deviceId: 'dev-1', technicianId: 'tech-1', reason: 'handed back' } }],
    LinkDevice: [{ type: 'device.unlinked', data: { deviceId: 'dev-1', technicianId: 'tech-1', reason: 'linked elsewhere' } }, linkedToTech2],
    RevokeDeviceCertificate: [{ type: 'device.certificate_revoked', data: { deviceId: 'dev-1', serial: '0a0a', reason: 'key leaked' } }],
    ...activeCommon,
  },
  revoked: {},
};

const refusal = (state: History, type: DeviceCommandType): DeviceErrorCode => {
  if (type === 'ProvisionDevice') return 'DEVICE_ALREADY_EXISTS';
  if (state === 'initial') return 'DEVICE_NOT_FOUND';
  if (state === 'revoked') return 'DEVICE_REVOKED';
  if (type === 'RevokeDeviceCertificate') return 'CERTIFICATE_NOT_FOUND';
  return 'DEVICE_NOT_LINKED';
};

const cells = (Object.keys(histories) as History[]).flatMap((state) =>
  (Object.keys(commands) as DeviceCommandType[]).map((type) => ({ state, type, events: valid[state][type] })),
);

describe('device: every command in every state', () => {
  const allowed = cells.filter((c) => c.events !== undefined);
  const refused = cells.filter((c) => c.events === undefined);

  it('covers 40 cells', () => {
    expect(cells).toHaveLength(8 * 5);
    expect(allowed).toHaveLength(1 + 6 + 5 + 7 + 0);
  });

  it.each(allowed)('$state: $type is accepted', ({ state, type, events }) => {
    spec.given(histories[state]).when(commands[type]).then(events!);
  });

  it.each(refused.map((c) => ({ ...c, code: refusal(c.state, c.type) })))('$state: $type is refused with $code', ({ state, type, code }) => {
    spec.given(histories[state]).when(commands[type]).thenThrows({ code, message: /./ });
  });
});

describe('device rules', () => {
  it('provisions with its first credential', () => {
    spec.given([]).when(cmd('ProvisionDevice', { kind: 'phone', technicianId: 'tech-1', credentialId: 'cred-1' })).then(provisioned);
  });

  it('carries one subject: the technician wins over an asset given alongside', () => {
    spec.given([]).when(cmd('ProvisionDevice', { kind: 'phone', technicianId: 'tech-1', assetId: 'van-7', credentialId: 'cred-1' })).then(provisioned);
    spec.given(histories.unlinked).when(cmd('LinkDevice', { assetId: 'van-7' })).thenState({
      status: 'active', kind: 'phone', subject: { assetId: 'van-7' }, credentialId: 'cred-1', certificates: [],
    });
  });

  it('relinks: unlinked from the old technician first, then linked', () => {
    spec.given(provisioned).when(cmd('LinkDevice', { technicianId: 'tech-2' })).then([
      { type: 'device.unlinked', data: { deviceId: 'dev-1', technicianId: 'tech-1', reason: 'linked elsewhere' } },
      { type: 'device.linked', data: { deviceId: 'dev-1', technicianId: 'tech-2' } },
    ]);
    spec.given(provisioned).when(cmd('LinkDevice', { technicianId: 'tech-1' })).thenNothing();
  });

  it('unlinks without a reason when none is given', () => {
    spec.given(provisioned).when(cmd('UnlinkDevice', {})).then([unlinked]);
  });

  it('rotates credentials and records only the credential id', () => {
    spec.given(provisioned).when(cmd('RotateDeviceCredentials', { credentialId: 'cred-2' })).thenState({
      status: 'active', kind: 'phone', subject: { technicianId: 'tech-1' }, credentialId: 'cred-2', certificates: [],
    });
  });

  it('keeps the serials of its valid certificates: a revoked one cannot be revoked again', () => {
    const revokedCertificate: DeviceDomainEvent = { type: 'device.certificate_revoked', data: { deviceId: 'dev-1', serial: '0a0a', reason: 'key leaked' } };
    spec.given(histories.certified).when(cmd('IssueDeviceCertificate', { serial: '0b0b', fingerprint: 'cd'.repeat(32), notAfter: '2027-12-01T00:00:00.000Z' })).thenState({
      status: 'active', kind: 'phone', subject: { technicianId: 'tech-1' }, credentialId: 'cred-1', certificates: ['0a0a', '0b0b'],
    });
    spec.given([...histories.certified, revokedCertificate]).when(cmd('RevokeDeviceCertificate', { serial: '0a0a', reason: 'again' })).thenThrows({ code: 'CERTIFICATE_NOT_FOUND', message: /0a0a/ });
  });

  it.each([
    ['ProvisionDevice on an existing device', provisioned, cmd('ProvisionDevice', { kind: 'phone', credentialId: 'c' }), 'DEVICE_ALREADY_EXISTS'],
    ['LinkDevice on an unknown device', [], cmd('LinkDevice', { technicianId: 't' }), 'DEVICE_NOT_FOUND'],
    ['RotateDeviceCredentials when revoked', revoked, cmd('RotateDeviceCredentials', { credentialId: 'c' }), 'DEVICE_REVOKED'],
    ['RevokeDevice twice', revoked, cmd('RevokeDevice', { reason: 'again' }), 'DEVICE_REVOKED'],
    ['UnlinkDevice when not linked', [...provisioned, unlinked], cmd('UnlinkDevice', {}), 'DEVICE_NOT_LINKED'],
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
});
