// A pg Pool over the hosts of a multi-host DATABASE_URL (database-url.ts), doing what libpq does with
// target_session_attrs=read-write: each new connection goes to one host, is asked whether it is writable,
// and is dropped for the next host if not. No proxy between the apps and PostgreSQL: after a standby's
// promotion the pools find it themselves, connection by connection.
import { Client, type ClientConfig, Pool, type PoolClient, type PoolConfig } from 'pg';
import { isConnectionError } from './database.errors';
import { choosesHost, type DatabaseHost, type DatabaseUrl, HostChooser, parseDatabaseUrl } from './database-url';

/** A host that answers but takes no writes (a standby, or a server set read-only): the SQLSTATE a write there would get. */
export class ReadOnlyHostError extends Error {
  readonly code = '25006';

  constructor(host: DatabaseHost) {
    super(`${host.host}:${host.port} is read-only (a standby?); target_session_attrs=read-write looks for another host`);
    this.name = 'ReadOnlyHostError';
  }
}

type ConnectCallback = (err: Error | undefined, client: PoolClient | undefined, done: (release?: unknown) => void) => void;

/**
 * The pool for `url`: a plain pg Pool when the URL names one host and any session will do (exactly as
 * before multi-host URLs), else a HostFailoverPool. `onPassOver` hears each move to another host.
 */
export function createPool(url: string, options: Omit<PoolConfig, 'connectionString'>, onPassOver?: (host: DatabaseHost, next: DatabaseHost, why: Error) => void): Pool {
  const parsed = parseDatabaseUrl(url);
  return choosesHost(parsed) ? new HostFailoverPool(parsed, options, onPassOver) : new Pool({ ...options, connectionString: url });
}

export class HostFailoverPool extends Pool {
  readonly chooser: HostChooser;

  constructor(url: DatabaseUrl, options: Omit<PoolConfig, 'connectionString'>, onPassOver?: (host: DatabaseHost, next: DatabaseHost, why: Error) => void) {
    const chooser = new HostChooser(url.hosts, onPassOver);
    super({ ...options, Client: hostChoosingClient(url, chooser) as unknown as new () => Client });
    this.chooser = chooser;
  }

  /**
   * A checkout tries each host at most once: a connection refused, lost or read-only moves on to the next
   * host at once, so a failover costs the requests in flight, not one failed request per dead host.
   */
  override connect(): Promise<PoolClient>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<PoolClient> | void {
    const attempt = async (tried: number): Promise<PoolClient> => {
      try {
        return await super.connect();
      } catch (error) {
        if (tried + 1 >= this.chooser.hosts.length || !isConnectionError(error)) throw error;
        return attempt(tried + 1);
      }
    };
    if (!callback) return attempt(0);
    attempt(0).then(
      (client) => callback(undefined, client, (release) => client.release(release as Error | undefined)),
      (error: Error) => callback(error, undefined, () => undefined),
    );
  }
}

/** The Client class the pool makes connections with: each to the chooser's host of the moment, checked writable when asked. */
function hostChoosingClient(url: DatabaseUrl, chooser: HostChooser) {
  return class HostChoosingClient extends Client {
    constructor(config: ClientConfig) {
      super({ ...config, connectionString: url.urlFor(chooser.next()) });
    }

    override connect(): Promise<Client>;
    override connect(callback: (err: Error) => void): void;
    override connect(callback?: (err: Error) => void): Promise<Client> | void {
      const connected = this.connectChosen();
      if (!callback) return connected;
      connected.then(() => (callback as (err: Error | null, c: Client) => void)(null, this), callback);
    }

    private async connectChosen(): Promise<Client> {
      const host = { host: this.host, port: this.port };
      try {
        await super.connect();
        if (url.targetSessionAttrs === 'read-write') {
          // what libpq asks: a standby (in recovery) answers on, and so does a primary set read-only
          const { rows } = await this.query<{ transaction_read_only: string }>('SHOW transaction_read_only');
          if (rows[0]?.transaction_read_only !== 'off') throw new ReadOnlyHostError(host);
        }
      } catch (error) {
        chooser.passOver(host, error as Error);
        void this.end().catch(() => undefined); // not awaited: a socket that never opened may never say 'end'
        throw error;
      }
      chooser.served(host);
      return this;
    }
  };
}
