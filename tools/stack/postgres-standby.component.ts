// The HA shape's PostgreSQL: the primary ('postgres-ha') and a streaming standby ('postgres-ha-standby')
// cloned from it with pg_basebackup through a replication slot. Commits wait for the standby
// (synchronous_standby_names, synchronous_commit=on), so whatever the primary acknowledged is on the
// standby too and survives the primary's death and the standby's promotion. The apps get both hosts in
// one libpq-style URL and follow the writable one (libs/timescale host-failover.pool.ts).
//
// After a promotion the old primary's data is behind or diverged: switchBack() clones it again from
// the promoted server, hands the primary role back to it without losing a commit, and clones a new standby.
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { createPostgresComponent } from './database.component';
import { forgetProcess, isAlive, processState, readPid, sleep, stopProcess } from './managed-process';
import { ensurePostgres, postgresBin, serverArgs, serverUser } from './postgres-server';
import { raiseOne, type StackComponent } from './stack-component';
import { haDataDir, haPorts, host } from './stack.config';

const primaryDir = join(haDataDir, 'postgres');
const standbyDir = join(haDataDir, 'postgres-standby');
/** How each server names itself to the other when it streams from it: the primary names the standby's as synchronous. */
const STANDBY_APP = 'postgres_ha_standby';
const PRIMARY_APP = 'postgres_ha'; // the old primary, while it streams from the promoted standby during switchBack

const urlAt = (port: number): string => `postgres://postgres:postgres@${host}:${port}/postgres`;
/** What the apps get (stack.env): both servers, the writable one chosen per connection, as libpq's target_session_attrs does. */
export const haDatabaseUrl = (): string =>
  `postgres://postgres:postgres@${host}:${haPorts.timescale},${host}:${haPorts.timescaleStandby}/postgres?target_session_attrs=read-write`;

const conninfo = (port: number, applicationName: string): string =>
  `host=${host} port=${port} user=postgres password=postgres application_name=${applicationName}`;

/**
 * The primary's replication settings. One named synchronous standby: with it away, commits wait (the
 * price of losing nothing acknowledged; switchBack and stack:up bring it back). A slot keeps the WAL
 * the standby still needs, capped so a standby gone for good cannot fill the disk.
 */
export const haPrimarySettings = {
  wal_level: 'replica',
  max_wal_senders: 10,
  max_replication_slots: 10,
  max_slot_wal_keep_size: '2GB',
  synchronous_standby_names: STANDBY_APP,
  synchronous_commit: 'on',
};

export const haPostgresPrimary = createPostgresComponent('postgres-ha', haPorts.timescale, primaryDir, haPrimarySettings);

async function withClient<T>(port: number, body: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: urlAt(port), connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return await body(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function one<Row>(port: number, sql: string, values: unknown[] = []): Promise<Row | undefined> {
  return withClient(port, async (client) => (await client.query(sql, values)).rows[0] as Row | undefined);
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(200);
  }
}

/**
 * `dir` made a copy of the server on `sourcePort` (pg_basebackup through slot `slot`, created afresh),
 * set up to stream from it (-R: standby.signal and primary_conninfo in postgresql.auto.conf).
 */
async function cloneFrom(sourcePort: number, dir: string, slot: string, applicationName: string): Promise<void> {
  await waitFor(`the server on port ${sourcePort} to answer before it is cloned`, async () => (await one(sourcePort, 'SELECT 1')) !== undefined);
  // a slot of an earlier clone (this directory removed since) would keep WAL forever and block -C
  await one(sourcePort, 'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active', [slot]);
  const user = serverUser();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (user) chownSync(dir, user.uid, user.gid);
  const result = spawnSync(
    postgresBin('pg_basebackup'),
    ['-d', conninfo(sourcePort, applicationName), '-D', dir, '-X', 'stream', '-c', 'fast', '-C', '-S', slot, '-R', '--no-password'],
    { cwd: dir, encoding: 'utf8', env: { ...process.env, PGPASSWORD: 'postgres' }, timeout: 300_000, ...user },
  );
  if (result.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`pg_basebackup from port ${sourcePort} into ${dir} failed:\n${result.stderr || result.error?.message}`);
  }
}

interface StandbyState {
  standby: boolean;
  receiver: string | null;
}

const standbyState = (port: number) =>
  one<StandbyState>(port, 'SELECT pg_is_in_recovery() AS standby, (SELECT status FROM pg_stat_wal_receiver) AS receiver');

/** The streaming standby: cloned from the primary on first start, then streaming from it; its URL is both servers'. */
export const haPostgresStandby: StackComponent = {
  name: 'postgres-ha-standby',
  envVar: 'DATABASE_URL', // after the primary in haComponents: stack.env gets this URL, with both hosts
  url: haDatabaseUrl,
  ports: () => [haPorts.timescaleStandby],
  startTimeoutMs: 120_000,

  async describe() {
    const state = await standbyState(haPorts.timescaleStandby);
    if (!state?.standby) return `PROMOTED: the writable server (port ${haPorts.timescaleStandby}); \`npm run stack:switch-back\` restores primary + standby`;
    const sync = await one<{ sync_state: string }>(haPorts.timescale, 'SELECT sync_state FROM pg_stat_replication WHERE application_name = $1', [STANDBY_APP]).catch(() => undefined);
    return `standby of port ${haPorts.timescale} (${state.receiver ?? 'not receiving'}, ${sync?.sync_state ?? 'unknown to the primary'}) on port ${haPorts.timescaleStandby}`;
  },

  async prepare() {
    ensurePostgres();
    if (!existsSync(join(standbyDir, 'PG_VERSION'))) await cloneFrom(haPorts.timescale, standbyDir, STANDBY_APP, STANDBY_APP);
  },

  spec() {
    return {
      name: 'postgres-ha-standby',
      command: postgresBin('postgres'),
      // its primary given here rather than left to what pg_basebackup wrote: the name the primary waits for
      args: serverArgs(standbyDir, host, haPorts.timescaleStandby, {
        primary_conninfo: conninfo(haPorts.timescale, STANDBY_APP),
        primary_slot_name: STANDBY_APP,
        hot_standby: 'on',
        hot_standby_feedback: 'on',
      }),
      cwd: standbyDir,
      user: serverUser(),
      stopSignal: 'SIGINT',
    };
  },

  // streaming from the primary (a promoted standby is ready as it is)
  async ready() {
    const state = await standbyState(haPorts.timescaleStandby);
    return state !== undefined && (!state.standby || state.receiver === 'streaming');
  },
};

/** kill -9 of the primary's postmaster: what a crash looks like (its backends notice and exit by themselves). */
export function killPrimary(): void {
  const pid = readPid(haPostgresPrimary.name);
  if (pid === undefined || !isAlive(pid)) throw new Error(`${haPostgresPrimary.name} is not running`);
  process.kill(pid, 'SIGKILL');
  forgetProcess(haPostgresPrimary.name); // gone on purpose, not reported as died; switchBack brings it back
}

/**
 * `SELECT pg_promote()` on the standby: it stops following and takes writes. Resolves once it does.
 * Refused while the primary still answers: two writable servers would each take commits the other lacks.
 */
export async function promoteStandby(): Promise<void> {
  const primaryAnswers = await one(haPorts.timescale, 'SELECT 1').then(() => true, () => false);
  if (primaryAnswers) throw new Error(`the primary on port ${haPorts.timescale} still answers: promoting the standby now would leave two writable servers; stop the primary first`);
  const promoted = await one<{ promoted: boolean }>(haPorts.timescaleStandby, 'SELECT pg_promote(true, 60) AS promoted');
  if (!promoted?.promoted) throw new Error(`the standby on port ${haPorts.timescaleStandby} did not promote within 60 s`);
}

/**
 * After a promotion: the HA shape as before (primary on haPorts.timescale, standby on .timescaleStandby),
 * without losing a commit. The old primary is cloned anew from the promoted server and streams from
 * it; the promoted server then stops (a clean shutdown sends all its WAL to the clone first), the clone
 * is promoted, and the standby is cloned from it again. Writes pause for the few seconds of the handover.
 */
export async function switchBack(log: (line: string) => void = () => undefined): Promise<void> {
  const state = await standbyState(haPorts.timescaleStandby).catch(() => undefined);
  if (state === undefined) throw new Error(`no server answers on port ${haPorts.timescaleStandby}: nothing to switch back from`);
  if (state.standby) throw new Error(`the server on port ${haPorts.timescaleStandby} is still a standby: there was no promotion to switch back from`);
  if (processState(haPostgresPrimary.name).state === 'running') {
    log(`stopping the old primary (${haPostgresPrimary.name}): its data is behind the promoted server's`);
    await stopProcess(haPostgresPrimary.name);
  }
  forgetProcess(haPostgresPrimary.name);
  log(`cloning the old primary's data anew from port ${haPorts.timescaleStandby} (pg_basebackup)`);
  await cloneFrom(haPorts.timescaleStandby, primaryDir, PRIMARY_APP, PRIMARY_APP);
  await raiseOne(haPostgresPrimary); // starts as a standby (standby.signal)
  await waitFor('the old primary to stream from the promoted server', async () => (await standbyState(haPorts.timescale))?.receiver === 'streaming');
  log(`stopping the promoted server (its WAL goes to ${haPostgresPrimary.name} before it exits) and promoting ${haPostgresPrimary.name}`);
  await stopProcess(haPostgresStandby.name);
  await one(haPorts.timescale, 'SELECT pg_promote(true, 60)');
  // what -R wrote is dead weight on a primary: gone, so a later clone of it does not inherit it
  await withClient(haPorts.timescale, async (client) => {
    await client.query('ALTER SYSTEM RESET primary_conninfo');
    await client.query('ALTER SYSTEM RESET primary_slot_name');
    await client.query('SELECT pg_reload_conf()');
  });
  log('cloning a new standby from the primary');
  rmSync(standbyDir, { recursive: true, force: true });
  await raiseOne(haPostgresStandby);
}
