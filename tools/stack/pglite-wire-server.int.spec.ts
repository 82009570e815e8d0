import { createHash, randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { Pool } from 'pg';
import { TestDatabase } from '../../test/support/test-database';

// Our wire server in front of the embedded PGlite, under concurrency as the apps use it: several pooled
// connections mixing transactions and parameterised queries over its one session, shared fairly. Its own
// embedded database, whatever engine the stack runs.

const table = `it_wire_${randomUUID().replaceAll('-', '')}`;
const database = new TestDatabase('embedded');
let pool: Pool;

beforeAll(async () => {
  await database.start();
  pool = new Pool({ connectionString: database.url, max: 8 });
  await pool.query(`CREATE TABLE ${table} (id int PRIMARY KEY, n int NOT NULL)`);
  await pool.query(`INSERT INTO ${table} VALUES (1, 0)`);
});
afterAll(async () => {
  await pool.query(`DROP TABLE ${table}`);
  await pool.end();
  database.remove();
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

it('keeps each connection’s named statements its own, and drops them when the connection goes', async () => {
  const [a, b] = [await pool.connect(), await pool.connect()];
  try {
    // the same name, a different text on each connection: as on a real server, no clash
    const ask = (client: typeof a, text: string, value: number) => client.query({ name: 'probe', text, values: [value] });
    for (let i = 0; i < 3; i++) {
      const [ra, rb] = await Promise.all([ask(a, 'SELECT $1::int + 1 AS n', i), ask(b, 'SELECT $1::int * 10 AS m', i)]);
      expect([ra.rows[0], rb.rows[0]]).toEqual([{ n: i + 1 }, { m: i * 10 }]);
    }
    const { rows } = await a.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name LIKE 'c%_probe'");
    expect(rows[0]!.n).toBe(2);
  } finally {
    a.release(true);
    b.release(true);
  }
  for (let i = 0; i < 50; i++) {
    const { rows } = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name LIKE 'c%_probe'");
    if (rows[0]!.n === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the closed connections’ statements are still prepared');
});

/** Protocol messages, as a client that dies half-way would have sent them. */
const message = (type: string, body: Buffer) => Buffer.concat([Buffer.from(type), Buffer.from([0, 0, 0, 0].map((_, i) => ((body.length + 4) >> (8 * (3 - i))) & 0xff)), body]);
const cstring = (text: string) => Buffer.from(`${text}\0`);

it('frees the session from a connection that dies inside a transaction, after an error in an unfinished extended query', async () => {
  const url = new URL(database.url);
  const socket = connect(Number(url.port), url.hostname);
  const received: Buffer[] = [];
  socket.on('data', (chunk) => received.push(chunk));
  const until = async (text: string) => {
    for (let i = 0; i < 300 && !Buffer.concat(received).includes(text); i++) await new Promise((r) => setTimeout(r, 10));
    expect(Buffer.concat(received).toString('latin1')).toContain(text);
  };
  await new Promise((resolve) => socket.once('connect', resolve));
  const params = Buffer.concat([cstring('user'), cstring(url.username || 'postgres'), cstring('database'), cstring(url.pathname.slice(1) || 'postgres'), Buffer.from([0])]);
  const startup = Buffer.concat([Buffer.alloc(8), params]);
  startup.writeInt32BE(startup.length, 0);
  startup.writeInt32BE(196_608, 4); // protocol 3.0
  socket.write(startup);
  for (let i = 0; i < 300 && Buffer.concat(received).length < 13; i++) await new Promise((r) => setTimeout(r, 10));
  const auth = Buffer.concat(received);
  if (auth[0] === 0x52 && auth.readInt32BE(5) === 5) {
    // MD5 password: md5(md5(password + user) + salt)
    const md5 = (b: Buffer | string) => createHash('md5').update(b).digest('hex');
    const user = url.username || 'postgres';
    const hashed = `md5${md5(Buffer.concat([Buffer.from(md5(decodeURIComponent(url.password) + user)), auth.subarray(9, 13)]))}`;
    socket.write(message('p', cstring(hashed)));
  }
  await until('server_version');
  socket.write(message('Q', cstring(`BEGIN; UPDATE ${table} SET n = -2 WHERE id = 1`)));
  await until('UPDATE 1');
  // an extended query that fails (no such table), and no Sync: the server now waits for one
  socket.write(message('P', Buffer.concat([cstring(''), cstring('SELECT * FROM no_such_table_here'), Buffer.from([0, 0])])));
  try {
    await until('no_such_table_here');
  } finally {
    socket.destroy();
  }

  const answer = await Promise.race([
    pool.query<{ n: number }>(`SELECT n FROM ${table} WHERE id = 1`),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the session is still held by the dead connection')), 5_000)),
  ]);
  expect(answer.rows[0]!.n).not.toBe(-2); // its transaction was rolled back
});
