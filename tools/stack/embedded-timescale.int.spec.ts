import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

// The embedded TimescaleDB restarted over its existing data must work as on the first start: the
// community module (continuous aggregates) loaded, so inserts into a hypertable with a continuous
// aggregate go through. A lazy load left it out once, and every such insert failed after a restart.

const dir = mkdtempSync(join(tmpdir(), 'fieldline-embedded-'));
const port = 15499;

function start(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'embedded-timescale.server.ts'), '--data', dir, '--port', String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('"listening"') && resolve(child));
    child.on('exit', (code) => reject(new Error(`embedded timescale exited with ${code}`)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

async function query<T>(sql: string): Promise<T[]> {
  const client = new Client({ connectionString: `postgres://postgres:postgres@127.0.0.1:${port}/postgres` });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('keeps continuous aggregates writable after a restart over existing data', async () => {
  let server = await start();
  await query(`CREATE TABLE m (time timestamptz NOT NULL, v double precision)`);
  await query(`SELECT create_hypertable('m', by_range('time', INTERVAL '1 day'))`);
  await query(`CREATE MATERIALIZED VIEW m_1h WITH (timescaledb.continuous) AS SELECT time_bucket(INTERVAL '1 hour', time) AS b, avg(v) FROM m GROUP BY 1 WITH NO DATA`);
  await query(`INSERT INTO m VALUES (now(), 1)`);
  await stop(server);

  server = await start();
  try {
    expect(await query<{ tsl_loaded: boolean }>('SELECT _timescaledb_functions.tsl_loaded()')).toEqual([{ tsl_loaded: true }]);
    await query(`INSERT INTO m VALUES (now(), 2)`);
    expect(await query<{ n: string }>('SELECT count(*)::text AS n FROM m')).toEqual([{ n: '2' }]);
  } finally {
    await stop(server);
  }
}, 120_000);
