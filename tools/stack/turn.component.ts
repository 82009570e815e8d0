// Debian's coturn as the calls' TURN relay: for browsers whose network allows no direct path to the SFU
// (and to test that the relay path works). Short-lived credentials come from apps/media, signed with the
// secret kept here (.data/turn/secret) and handed to the apps as TURN_SECRET with TURN_URLS.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { portOpen } from './managed-process';
import type { StackComponent } from './stack-component';
import { ensureBinaries } from './system-packages';
import { dataDir, host, ports } from './stack.config';

let turnserver = 'turnserver';
const secretFile = join(dataDir, 'turn', 'secret');

function secret(): string {
  if (!existsSync(secretFile)) {
    mkdirSync(join(dataDir, 'turn'), { recursive: true });
    writeFileSync(secretFile, randomBytes(24).toString('base64url'), { mode: 0o600 });
  }
  return readFileSync(secretFile, 'utf8').trim();
}

export const turnComponent: StackComponent = {
  name: 'turn',
  envVar: 'TURN_URLS',
  url: () => `turn:${host}:${ports.turn}?transport=udp,turn:${host}:${ports.turn}?transport=tcp`,
  env: () => ({ TURN_SECRET: secret() }),
  ports: () => [ports.turn],
  startTimeoutMs: 15_000,

  async prepare() {
    turnserver = ensureBinaries([{ binary: 'turnserver', debianPackage: 'coturn', why: 'the TURN relay for calls from restrictive networks' }]).turnserver;
    secret();
  },

  spec() {
    return {
      name: 'turn',
      command: turnserver,
      args: [
        '-n', // no configuration file: everything is here
        `--listening-ip=${host}`,
        `--listening-port=${ports.turn}`,
        `--relay-ip=${host}`,
        `--min-port=${ports.turnRelayMin}`,
        `--max-port=${ports.turnRelayMax}`,
        '--use-auth-secret',
        `--static-auth-secret=${secret()}`,
        '--realm=fieldline.local',
        '--no-tls',
        '--no-dtls',
        '--no-cli',
        '--no-multicast-peers',
        // the SFU is on this machine's loopback here; a production relay must not reach loopback peers
        '--allow-loopback-peers',
        '--log-file=stdout',
        '--simple-log',
      ],
    };
  },

  ready: () => portOpen(ports.turn, host),
};
