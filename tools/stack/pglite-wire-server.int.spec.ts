import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';

// The stack's database under concurrency, as the apps use it: several pooled connections mixing
// transactions and parameterised queries. Against the embedded PGlite this exercises our wire server
// (one session shared fairly); against a real TimescaleDB (DATABASE_URL) it must hold just the same.

const table = `it_wire_${randomUUID().replaceAll('-', '')}`;
let pool: Pool;

beforeAll(async () => {
  pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 8 });
  await pool.query(`CREATE TABLE ${table} (id int PRIMARY KEY, n int NOT NULL)`);
  await pool.query(`INSERT INTO ${table} VALUES (1, 0)`);
});
afterAll(async () => {
  await pool.query(`DROP TABLE ${table}`);
  await pool.end();
});

it('answers each connection its own parameterised query, however many run at once', async () => {
  const answers = await Promise.all(
    Array.from({ length: 200 }, (_, i) => pool.query<{ echo: string; n: number }>('SELECT $1::text AS echo, $2::int * 2 AS n', [`q${i}`, i])),
  );
  expect(answers.map((a) => a.rows[0])).toEqual(Array.from({ length: 200 }, (_, i) => ({ echo: `q${i}`, n: i * 2 })));
});

it('keeps read-modify-write transactions isolated while other connections query', async () => {
  const increment = async () => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ n: number }>(`SELECT n FROM ${table} WHERE id = 1 FOR UPDATE`);
      await new Promise((r) => setTimeout(r, 1)); // let other connections try to get in
      await client.query(`UPDATE ${table} SET n = $1 WHERE id = 1`, [rows[0]!.n + 1]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
  };
  const readers = Array.from({ length: 100 }, () => pool.query(`SELECT n FROM ${table} WHERE id = 1`));
  await Promise.all([...Array.from({ length: 100 }, increment), ...readers]);
  expect((await pool.query(`SELECT n FROM ${table} WHERE id = 1`)).rows[0]).toEqual({ n: 100 });
});

it('rolls back the transaction of a connection that disappears inside it', async () => {
  const client = await pool.connect();
  await client.query('BEGIN');
  await client.query(`UPDATE ${table} SET n = -1 WHERE id = 1`);
  client.release(true); // destroys the connection mid-transaction
  const { rows } = await pool.query(`SELECT n FROM ${table} WHERE id = 1`);
  expect(rows[0].n).not.toBe(-1);
});
