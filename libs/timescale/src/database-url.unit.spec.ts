import { ConfigError, loadConfig } from '#libs/platform';
import { choosesHost, type DatabaseHost, DatabaseUrlError, HostChooser, parseDatabaseUrl } from './database-url';
import { withDatabaseEnv } from './timescale.env';

describe('parseDatabaseUrl', () => {
  it('reads the libpq host list and target_session_attrs, and gives each host a one-host URL with everything else as written', () => {
    const url = parseDatabaseUrl('postgres://fl:s%40cret@10.0.0.1:5432,db-2:5433,db-3/fieldline?sslmode=require&target_session_attrs=read-write&application_name=api');
    expect(url.hosts).toEqual([
      { host: '10.0.0.1', port: 5432 },
      { host: 'db-2', port: 5433 },
      { host: 'db-3', port: 5432 }, // libpq's default port
    ]);
    expect(url.targetSessionAttrs).toBe('read-write');
    expect(choosesHost(url)).toBe(true);
    expect(url.urlFor(url.hosts[1]!)).toBe('postgres://fl:s%40cret@db-2:5433/fieldline?sslmode=require&application_name=api');
  });

  it('takes a one-host URL as it is: nothing to choose, any session will do', () => {
    const url = parseDatabaseUrl('postgresql://u:p@localhost:15432/postgres');
    expect(url).toMatchObject({ hosts: [{ host: 'localhost', port: 15432 }], targetSessionAttrs: 'any' });
    expect(choosesHost(url)).toBe(false);
    expect(url.urlFor(url.hosts[0]!)).toBe('postgresql://u:p@localhost:15432/postgres');
    expect(choosesHost(parseDatabaseUrl('postgres://u@/db'))).toBe(false); // no host: pg's defaults
    expect(choosesHost(parseDatabaseUrl('postgres://u@db:1/x?target_session_attrs=read-write'))).toBe(true); // one host, but it must be writable
  });

  it('keeps IPv6 hosts bracketed', () => {
    const url = parseDatabaseUrl('postgres://u:p@[::1]:5432,[fe80::2]/db');
    expect(url.hosts).toEqual([{ host: '[::1]', port: 5432 }, { host: '[fe80::2]', port: 5432 }]);
    expect(url.urlFor(url.hosts[1]!)).toBe('postgres://u:p@[fe80::2]:5432/db');
  });

  it('refuses what libpq would not connect with, saying what is wrong', () => {
    for (const [bad, why] of [
      ['postgres://u:p@h1:5432,h2:99999/db', /port must be 1–65535/],
      ['postgres://u:p@h1:5432,,h2/db', /is not host\[:port\]/],
      ['postgres://u:p@h1:x/db', /is not host\[:port\]/],
      ['postgres://u:p@h1,h2/db?target_session_attrs=prefer-standby', /prefer-standby is not supported/],
      ['mysql://h1/db', /not a postgres:\/\//],
    ] as const) {
      expect(() => parseDatabaseUrl(bad)).toThrow(DatabaseUrlError);
      expect(() => parseDatabaseUrl(bad)).toThrow(why);
    }
  });
});

describe('HostChooser', () => {
  const [a, b, c] = [{ host: 'a', port: 1 }, { host: 'b', port: 2 }, { host: 'c', port: 3 }];
  const gone = new Error('ECONNREFUSED');

  it('tries the first host until it fails, then the next, in a ring', () => {
    const moves: string[] = [];
    const chooser = new HostChooser([a, b, c], (from: DatabaseHost, to: DatabaseHost) => moves.push(`${from.host}→${to.host}`));
    expect(chooser.next()).toBe(a);
    chooser.passOver(a, gone);
    expect(chooser.next()).toBe(b);
    chooser.passOver(b, gone);
    chooser.passOver(c, gone);
    expect(chooser.next()).toBe(a);
    expect(moves).toEqual(['a→b', 'b→c', 'c→a']);
  });

  it('keeps to the host that served last, so new connections do not knock on a dead one first', () => {
    const chooser = new HostChooser([a, b]);
    chooser.passOver(a, gone);
    chooser.served(b);
    expect(chooser.next()).toBe(b);
    chooser.served({ host: 'b', port: 2 }); // compared by value
    expect(chooser.next()).toBe(b);
  });

  it('moves once when many connections fail on the same host at once, not once each', () => {
    const chooser = new HostChooser([a, b, c]);
    for (let i = 0; i < 5; i++) chooser.passOver(a, gone); // five connections to a, all refused
    expect(chooser.next()).toBe(b);
    chooser.passOver({ host: 'elsewhere', port: 9 }, gone); // not one of ours: nothing moves
    expect(chooser.next()).toBe(b);
  });
});

describe('DATABASE_URL', () => {
  class Env extends withDatabaseEnv(class {}) {}
  const load = (url: string) => loadConfig(Env, { DATABASE_URL: url }, 'test');

  it('accepts the multi-host form, and refuses a host list libpq would not take', () => {
    expect(load('postgres://u:p@127.0.0.1:15532,127.0.0.1:15533/postgres?target_session_attrs=read-write').DATABASE_URL).toContain(',127.0.0.1:15533');
    expect(load('postgres://u:p@localhost:5432/db').DATABASE_URL).toBe('postgres://u:p@localhost:5432/db');
    try {
      load('postgres://u:p@h1,h2:0/db');
      throw new Error('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([{ variable: 'DATABASE_URL', problem: expect.stringMatching(/"h2:0": the port must be 1–65535/) }]);
    }
  });
});
