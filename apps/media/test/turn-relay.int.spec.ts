import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { turnCredentials } from '../src/engine/turn-credentials';

// The TURN credentials a join hands out, against a real relay: Debian's coturn with the shared secret
// (its `use-auth-secret`), and coturn's own client allocating a relay and sending through it. A wrong
// secret, and an expired username, are refused.

const SECRET = 'int-turn-secret-0123456789';
const PORT = 34_000 + Math.floor(Math.random() * 500) * 2;
let relay: ChildProcess;
let log = '';

beforeAll(async () => {
  relay = spawn(
    'turnserver',
    ['-n', '--listening-ip=127.0.0.1', `--listening-port=${PORT}`, '--relay-ip=127.0.0.1', '--use-auth-secret', `--static-auth-secret=${SECRET}`, '--realm=fieldline.test',
      '--no-tls', '--no-dtls', '--no-cli', '--log-file=stdout', '--simple-log', `--min-port=${PORT + 100}`, `--max-port=${PORT + 160}`, '--allow-loopback-peers'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  relay.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  for (let i = 0; i < 50 && !/listener opened|Total UDP servers/i.test(log); i++) await new Promise((r) => setTimeout(r, 100));
});
afterAll(() => relay?.kill('SIGTERM'));

/** coturn's client: allocate a relay with these credentials and send 20 messages through it. */
const allocate = (username: string, credential: string) =>
  spawnSync('turnutils_uclient', ['-y', '-u', username, '-w', credential, '-p', String(PORT), '-n', '5', '-m', '1', '-e', '127.0.0.1', '127.0.0.1'], { encoding: 'utf8', timeout: 30_000 });

it('relays media with the credentials a join hands out', () => {
  const ice = turnCredentials({ urls: [`turn:127.0.0.1:${PORT}?transport=udp`], secret: SECRET, ttlS: 3600 }, 'usr_ada', Date.now());
  const run = allocate(ice.username, ice.credential);
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(/tot_send_msgs=20, tot_recv_msgs=20/);
  expect(run.stdout).toMatch(/Total lost packets 0 /);
});

it('refuses credentials signed with another secret, and expired ones', () => {
  const forged = turnCredentials({ urls: [], secret: 'not-the-shared-secret', ttlS: 3600 }, 'usr_ada', Date.now());
  expect(allocate(forged.username, forged.credential).stdout).toMatch(/Cannot complete Allocation/);
  const expired = turnCredentials({ urls: [], secret: SECRET, ttlS: 60 }, 'usr_ada', Date.now() - 3_600_000);
  expect(allocate(expired.username, expired.credential).stdout).toMatch(/Cannot complete Allocation/);
});
