import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { DatabaseService } from './database.service';
import { type Migration, MigrationError, migrate, readMigrations } from './migrations';
import { laneEngine } from '../../../test/support/test-database';

// Against the stack's TimescaleDB (embedded PGlite + timescaledb, or DATABASE_URL's server) through pg.

const logger = pino({ level: 'silent' });
const schema = `it_${randomUUID().replaceAll('-', '')}`;
let db: DatabaseService;

beforeAll(async () => {
  db = new DatabaseService({ url: process.env.DATABASE_URL!, poolMax: 4, logger });
  await db.query(`CREATE SCHEMA ${schema}`);
});
afterAll(async () => {
  await db.query(`DROP SCHEMA ${schema} CASCADE`);
  await db.query('DELETE FROM schema_migrations WHERE version >= 9000');
  await db.onApplicationShutdown();
});

it('stores readings in a hypertable and buckets them with time_bucket', async () => {
  await db.query(`CREATE TABLE ${schema}.readings (time timestamptz NOT NULL, tenant_id text NOT NULL, device_id text NOT NULL, value double precision NOT NULL)`);
  await db.query(`SELECT create_hypertable('${schema}.readings', by_range('time', INTERVAL '1 day'))`);
  // 3 minutes of readings, 4 per minute, values 0..11
  const start = Date.parse('2031-05-04T08:00:00Z');
  const rows = Array.from({ length: 12 }, (_, i) => [new Date(start + i * 15_000), 'tenant-1', 'dev-1', i]);
  await db.query(
    `INSERT INTO ${schema}.readings SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::float8[])`,
    [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2]), rows.map((r) => r[3])],
  );
  const { rows: buckets } = await db.query<{ bucket: Date; n: string; avg: number }>(
    `SELECT time_bucket('1 minute', time) AS bucket, count(*) AS n, avg(value) AS avg
       FROM ${schema}.readings WHERE tenant_id = $1 GROUP BY bucket ORDER BY bucket`,
    ['tenant-1'],
  );
  expect(buckets.map((b) => [b.bucket.toISOString(), Number(b.n), b.avg])).toEqual([
    ['2031-05-04T08:00:00.000Z', 4, 1.5],
    ['2031-05-04T08:01:00.000Z', 4, 5.5],
    ['2031-05-04T08:02:00.000Z', 4, 9.5],
  ]);
  const { rows: hypertables } = await db.query(
    'SELECT hypertable_name FROM timescaledb_information.hypertables WHERE hypertable_schema = $1',
    [schema],
  );
  expect(hypertables).toEqual([{ hypertable_name: 'readings' }]);
});

it('rolls a failed transaction back completely', async () => {
  await db.query(`CREATE TABLE ${schema}.pairs (id int PRIMARY KEY)`);
  await expect(
    db.transaction(async (tx) => {
      await tx.query(`INSERT INTO ${schema}.pairs VALUES (1)`);
      await tx.query(`INSERT INTO ${schema}.pairs VALUES (1)`); // duplicate key
    }),
  ).rejects.toThrow(/duplicate key/);
  expect((await db.query(`SELECT count(*)::int AS n FROM ${schema}.pairs`)).rows).toEqual([{ n: 0 }]);
});

describe('migrations', () => {
  const extra = (sql: string): Migration => ({ version: 9001, name: 'it_probe', sql, checksum: sql });

  it('applies the repository migrations once; a second run applies nothing', async () => {
    await migrate(db, logger);
    expect(await migrate(db, logger)).toEqual([]);
    const { rows } = await db.query<{ version: number }>('SELECT version FROM schema_migrations WHERE version < 9000 ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual(readMigrations().map((m) => m.version));
  });

  it('applies a new migration and refuses one that changed after it was applied', async () => {
    const sql = `CREATE TABLE ${schema}.probe (id int)`;
    expect(await migrate(db, logger, [extra(sql)])).toEqual([9001]);
    const changed = { ...extra(`${sql}; -- edited`), checksum: 'different' };
    await expect(migrate(db, logger, [changed])).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH' });
  });

  it('leaves nothing behind when a migration fails', async () => {
    const broken = { ...extra(`CREATE TABLE ${schema}.half (id int); SELECT no_such_function()`), version: 9002 };
    const error = await migrate(db, logger, [broken]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).code).toBe('MIGRATION_FAILED');
    const { rows } = await db.query('SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2', [schema, 'half']);
    expect(rows).toEqual([]);
    expect((await db.query('SELECT 1 FROM schema_migrations WHERE version = 9002')).rows).toEqual([]);
  });
});

it('schedules compression, retention and the aggregates’ refresh as TimescaleDB jobs; on a real server its scheduler runs them', async () => {
  await migrate(db, logger);
  const { rows } = await db.query<{ job_id: number; proc_name: string; hypertable_name: string }>(
    `SELECT job_id, proc_name, hypertable_name FROM timescaledb_information.jobs
      WHERE proc_name IN ('policy_compression', 'policy_retention', 'policy_refresh_continuous_aggregate') AND hypertable_schema = 'public'
        AND hypertable_name IN ('locations', 'readings', 'locations_1m', 'locations_1h')`, // not a rebuild's tables in flight
  );
  const policies = rows.map((r) => `${r.proc_name} ${r.hypertable_name}`).sort();
  expect(policies).toEqual([
    'policy_compression locations',
    'policy_compression readings',
    'policy_refresh_continuous_aggregate locations_1h',
    'policy_refresh_continuous_aggregate locations_1m',
    'policy_retention locations',
    'policy_retention readings',
  ]);
  if (laneEngine() !== 'postgres') {
    console.log('the embedded engine has no background scheduler: its policies are listed, never run (real-time aggregation keeps the aggregates current)');
    return;
  }
  // The minute aggregate's refresh runs within its first minute: its work (the watermark) shows it ran.
  const refresh = rows.find((r) => r.hypertable_name === 'locations_1m')!.job_id;
  let stats: { total_runs: string; last_run_status: string } | undefined;
  for (let i = 0; i < 90 && !(Number(stats?.total_runs) >= 1); i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 1000));
    stats = (await db.query<{ total_runs: string; last_run_status: string }>('SELECT total_runs, last_run_status FROM timescaledb_information.job_stats WHERE job_id = $1', [refresh])).rows[0];
  }
  expect(Number(stats?.total_runs)).toBeGreaterThanOrEqual(1);
  const { rows: watermark } = await db.query<{ set: boolean }>(
    `SELECT _timescaledb_functions.to_timestamp(w.watermark) > '-infinity'::timestamptz AS set
       FROM _timescaledb_catalog.continuous_aggs_watermark w
       JOIN timescaledb_information.continuous_aggregates c ON c.view_name = 'locations_1m'
       JOIN _timescaledb_catalog.hypertable h ON h.table_name = c.materialization_hypertable_name AND h.id = w.mat_hypertable_id`,
  );
  expect(watermark[0]?.set).toBe(true);
  // TimescaleDB 2.28.3 on PostgreSQL 15.20 (the shared build) ends every background job with "cannot drop
  // portal "" while it is being set up" after its work committed: the job reads Failed. Said, not hidden.
  if (stats?.last_run_status !== 'Success') console.warn(`the refresh job's last run reads ${stats?.last_run_status} (docs/operations.md: TimescaleDB's background jobs on this build)`);
}, 120_000);

it('reports the TimescaleDB version for readiness', async () => {
  await expect(db.ping()).resolves.toEqual({ timescaledb: expect.stringMatching(/^2\./) });
});
