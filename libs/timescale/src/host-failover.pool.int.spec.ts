import pino from 'pino';
import { freePort } from '../../../test/support/app-process';
import { DatabaseService } from './database.service';
import { parseDatabaseUrl } from './database-url';
import { HostFailoverPool } from './host-failover.pool';
import { DatabaseUnavailableError } from './database.errors';

// A multi-host DATABASE_URL against the stack's real server, with a host before it where nothing
// listens (a primary that died): connections pass it over and land on the server. The standby case
// (a host that answers but is read-only) runs in the HA shape: apps/api/test/postgres-failover.ha.spec.ts.

const logger = pino({ level: 'silent' });
const server = parseDatabaseUrl(process.env.DATABASE_URL!).hosts[0]!;

/** A port that refuses: taken from the kernel, then closed. */
const closedPort = freePort;

const withHosts = (hosts: string, attrs = '') => process.env.DATABASE_URL!.replace(`${server.host}:${server.port}`, hosts) + attrs;

it('passes over a host that refuses, in the same checkout, and keeps to the one that served', async () => {
  const dead = await closedPort();
  const url = withHosts(`127.0.0.1:${dead},${server.host}:${server.port}`, `${process.env.DATABASE_URL!.includes('?') ? '&' : '?'}target_session_attrs=read-write`);
  const db = new DatabaseService({ url, poolMax: 4, logger });
  try {
    expect(db.pool).toBeInstanceOf(HostFailoverPool);
    const { rows } = await db.query<{ port: number }>("SELECT current_setting('port')::int AS port");
    expect(rows[0]!.port).toBe(server.port);
    expect((db.pool as HostFailoverPool).chooser.next()).toEqual(server);
    // four connections at once: every one lands on the server, none knocks on the dead port first
    const ports = await Promise.all(Array.from({ length: 4 }, () => db.transaction(async (tx) => (await tx.query<{ port: number }>("SELECT current_setting('port')::int AS port, pg_sleep(0.05)")).rows[0]!.port)));
    expect(ports).toEqual([server.port, server.port, server.port, server.port]);
  } finally {
    await db.onApplicationShutdown();
  }
});

it('answers DatabaseUnavailableError (503, retryable) when no host serves', async () => {
  const db = new DatabaseService({ url: withHosts(`127.0.0.1:${await closedPort()},127.0.0.1:${await closedPort()}`), poolMax: 1, logger });
  try {
    await expect(db.query('SELECT 1')).rejects.toBeInstanceOf(DatabaseUnavailableError);
  } finally {
    await db.onApplicationShutdown();
  }
});
