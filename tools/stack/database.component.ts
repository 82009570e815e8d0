// The stack's database, on one of two engines at the same URL: a real PostgreSQL 15 + TimescaleDB (what
// production runs; chosen whenever this machine can run it) or the embedded TimescaleDB (PGlite over the
// Postgres wire protocol, zero-install). STACK_DATABASE=postgres|embedded chooses; a given DATABASE_URL
// means neither is started.
import { join } from 'node:path';
import { Client } from 'pg';
import { processState, stopProcess } from './managed-process';
import { ensurePostgres, initCluster, postgresBin, serverArgs, serverUser } from './postgres-server';
import { progress } from './progress';
import type { StackComponent } from './stack-component';
import { MissingToolError } from './system-packages';
import { dataDir, host, ports, repoRoot } from './stack.config';

const urlAt = (port: number): string => `postgres://postgres:postgres@${host}:${port}/postgres`;
const url = (): string => urlAt(ports.timescale);

/** Which engine answers at the URL, with its versions: for stack:status and `npm run up`. */
async function describeEngine(at = url()): Promise<string> {
  const client = new Client({ connectionString: at, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ pg: string; ts: string | null }>(
      "SELECT current_setting('server_version') AS pg, (SELECT extversion FROM pg_extension WHERE extname = 'timescaledb') AS ts",
    );
    return `PostgreSQL ${rows[0].pg}${rows[0].ts ? ` + TimescaleDB ${rows[0].ts}` : ' (TimescaleDB created by the first migration)'}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function answers(check: string, at = url()): Promise<boolean> {
  const client = new Client({ connectionString: at, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ ok: boolean }>(check);
    return rows[0]?.ok === true;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A PostgreSQL + TimescaleDB server on its own port and data directory (the stack's, or the HA shape's); `settings` add to serverArgs'. */
export const createPostgresComponent = (name: string, port: number, dir: string, settings: Record<string, string | number> = {}): StackComponent => ({
  name,
  envVar: 'DATABASE_URL',
  url: () => urlAt(port),
  describe: () => describeEngine(urlAt(port)),
  ports: () => [port],
  startTimeoutMs: 60_000,

  async prepare() {
    ensurePostgres();
    initCluster(dir);
  },

  spec() {
    return {
      name,
      command: postgresBin('postgres'),
      args: serverArgs(dir, host, port, settings),
      cwd: dir,
      user: serverUser(),
      stopSignal: 'SIGINT', // "fast" shutdown: SIGTERM would wait for every app to disconnect
    };
  },

  ready: () => answers("SELECT count(*) = 1 AS ok FROM pg_available_extensions WHERE name = 'timescaledb'", urlAt(port)),
});

export const postgresComponent = createPostgresComponent('postgres', ports.timescale, join(dataDir, 'postgres'));

/** The embedded engine as a stack component; the test runner raises a second one for its embedded lane. */
export function embeddedDatabase(name = 'embedded-db', port = ports.timescale, dir = join(dataDir, 'timescale')): StackComponent {
  return {
    name,
    envVar: 'DATABASE_URL',
    url: () => urlAt(port),
    describe: async () => `embedded ${await describeEngine(urlAt(port))} (PGlite)`,
    ports: () => [port],
    startTimeoutMs: 60_000,

    async prepare() {
      /* nothing to fetch: PGlite and the extension come with npm install */
    },

    spec() {
      return {
        name,
        command: process.execPath,
        args: ['--import', 'tsx', join(repoRoot, 'tools', 'stack', 'embedded-timescale.server.ts'), '--data', dir, '--host', host, '--port', String(port)],
        cwd: repoRoot,
      };
    },

    ready: () => answers("SELECT count(*) = 1 AS ok FROM pg_extension WHERE extname = 'timescaledb'", urlAt(port)),
  };
}

export const embeddedDatabaseComponent = embeddedDatabase();
/** Beside a PostgreSQL stack: the test runner's embedded lane, and the benches' second engine (same port, never together). */
export const embeddedLaneComponent = embeddedDatabase('embedded-lane', ports.timescaleLane, join(dataDir, 'embedded-lane'));
export const embeddedBenchComponent = embeddedDatabase('embedded-bench', ports.timescaleLane, join(dataDir, 'embedded-bench'));

export const databaseComponents = [postgresComponent, embeddedDatabaseComponent];

export type DatabaseEngine = 'postgres' | 'embedded';

/**
 * STACK_DATABASE's engine; unset: PostgreSQL when this machine has it or can install it, else the embedded
 * one (saying why). The other engine, if the stack runs it, is stopped: both serve the same port. Its data
 * stays where it is (.data/postgres, .data/timescale) for when it is chosen again.
 */
export async function chooseDatabase(env: NodeJS.ProcessEnv = process.env): Promise<StackComponent> {
  const asked = env.STACK_DATABASE;
  if (asked !== undefined && asked !== 'postgres' && asked !== 'embedded') {
    throw new Error(`STACK_DATABASE=${asked} is not an engine: use postgres (PostgreSQL + TimescaleDB) or embedded (PGlite), or leave it unset.`);
  }
  let chosen = asked === 'embedded' ? embeddedDatabaseComponent : postgresComponent;
  if (asked === undefined && !env.DATABASE_URL) {
    try {
      ensurePostgres();
    } catch (error) {
      if (!(error instanceof MissingToolError)) throw error;
      progress('database').done(`PostgreSQL + TimescaleDB cannot run here (${error.message}); using the embedded database`);
      chosen = embeddedDatabaseComponent;
    }
  }
  if (!env.DATABASE_URL) {
    for (const other of databaseComponents.filter((c) => c !== chosen && processState(c.name).state === 'running')) {
      progress(other.name).done(`stopping it: the stack now runs ${chosen.name} on the same port (its data stays; STACK_DATABASE chooses)`);
      await stopProcess(other.name);
    }
  }
  return chosen;
}
