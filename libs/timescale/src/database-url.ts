// DATABASE_URL with several hosts, the libpq way: postgres://u:p@h1:5432,h2:5433/db?target_session_attrs=read-write.
// node-postgres takes one host per connection string, so the list is parsed here and each connection is
// given a one-host URL (host-failover.pool.ts); everything else in the URL reaches pg unchanged.

export interface DatabaseHost {
  host: string;
  port: number;
}

/** libpq's target_session_attrs, the two values we serve: any host that accepts, or only a writable one. */
export type TargetSessionAttrs = 'any' | 'read-write';
const TARGETS: readonly TargetSessionAttrs[] = ['any', 'read-write'];

export interface DatabaseUrl {
  /** In the URL's order; empty when the URL names none (pg's defaults apply). */
  hosts: DatabaseHost[];
  targetSessionAttrs: TargetSessionAttrs;
  /** The URL for one connection to `host`: user, password, database and options as given, target_session_attrs taken out. */
  urlFor(host: DatabaseHost): string;
}

export class DatabaseUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseUrlError';
  }
}

const DEFAULT_PORT = 5432; // libpq's, for a host given without one
const SHAPE = /^(postgres(?:ql)?):\/\/(?:([^@/?#]*)@)?([^/?#]*)(\/[^?#]*)?(?:\?([^#]*))?$/;
const HOST = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d*))?$/;

function parseHost(text: string): DatabaseHost {
  const match = HOST.exec(text);
  if (!match) throw new DatabaseUrlError(`"${text}" is not host[:port]`);
  const port = match[2] ? Number(match[2]) : DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new DatabaseUrlError(`"${text}": the port must be 1–65535`);
  return { host: decodeURIComponent(match[1]!), port };
}

export function parseDatabaseUrl(url: string): DatabaseUrl {
  const match = SHAPE.exec(url);
  if (!match) throw new DatabaseUrlError('not a postgres://[user[:password]@]host[:port][,host[:port]…][/database][?options] URL');
  const [, scheme, userinfo, hostList = '', path = '', query = ''] = match;
  const hosts = hostList === '' ? [] : hostList.split(',').map(parseHost);
  // the options stay as written (pg decodes them); only target_session_attrs is ours, not pg's
  const options = query.split('&').filter((part) => part !== '');
  const attrs = options.filter((part) => part.startsWith('target_session_attrs=')).map((part) => decodeURIComponent(part.slice('target_session_attrs='.length)));
  const targetSessionAttrs = (attrs.at(-1) ?? 'any') as TargetSessionAttrs;
  if (!TARGETS.includes(targetSessionAttrs)) throw new DatabaseUrlError(`target_session_attrs=${targetSessionAttrs} is not supported (any or read-write)`);
  const rest = options.filter((part) => !part.startsWith('target_session_attrs='));
  const tail = `${path}${rest.length > 0 ? `?${rest.join('&')}` : ''}`;
  const credentials = userinfo === undefined ? '' : `${userinfo}@`;
  return {
    hosts,
    targetSessionAttrs,
    urlFor: ({ host, port }) => `${scheme}://${credentials}${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}${tail}`,
  };
}

/** Whether connections must choose among hosts (several, or one that must be writable) rather than take the URL as it is. */
export const choosesHost = (url: DatabaseUrl): boolean => url.hosts.length > 1 || url.targetSessionAttrs !== 'any';

/**
 * Which host a new connection tries. libpq starts from the first host every time; we start from the
 * last one that served, so after a failover new connections do not knock on the dead host first. A host
 * passed over (refused, died, read-only) hands the turn to the one after it; hosts are tried in a ring.
 */
export class HostChooser {
  private preferred = 0;

  constructor(
    readonly hosts: DatabaseHost[],
    private readonly onPassOver: (host: DatabaseHost, next: DatabaseHost, why: Error) => void = () => undefined,
  ) {
    if (hosts.length === 0) throw new DatabaseUrlError('no host to choose from');
  }

  next(): DatabaseHost {
    return this.hosts[this.preferred]!;
  }

  /** `host` served a connection: keep trying it first. */
  served(host: DatabaseHost): void {
    const i = this.indexOf(host);
    if (i >= 0) this.preferred = i;
  }

  /**
   * `host` could not serve: the next connection tries the host after it. Connections failing at once on
   * the same host move the turn once, not once each (only while that host is still the preferred one).
   */
  passOver(host: DatabaseHost, why: Error): void {
    const i = this.indexOf(host);
    if (i < 0 || i !== this.preferred) return;
    this.preferred = (i + 1) % this.hosts.length;
    this.onPassOver(host, this.next(), why);
  }

  private indexOf({ host, port }: DatabaseHost): number {
    return this.hosts.findIndex((h) => h.host === host && h.port === port);
  }
}
