import { promises as dns } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { type AllowedHosts, isAllowedAddress, normalHost, parseAllowedHosts, refusedRange } from './webhook-address-rules';
import { WebhooksError } from './webhooks.errors';

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Every address of a host name (the port: unit tests answer without a network). */
export type Resolve = (host: string) => Promise<ResolvedAddress[]>;

const RESOLVE_TIMEOUT_MS = 5_000;

/** getaddrinfo, as a connection would (so /etc/hosts counts), every address in the resolver's order; at most 5 s. */
export const systemResolve: Resolve = (host) => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${RESOLVE_TIMEOUT_MS} ms`), { code: 'ETIMEOUT' })), RESOLVE_TIMEOUT_MS).unref();
  });
  return Promise.race([dns.lookup(host, { all: true, order: 'verbatim' }), timeout]).finally(() => clearTimeout(timer));
};

export interface WebhookUrlPolicyOptions {
  /** WEBHOOK_ALLOWED_HOSTS: reachable despite the rules. */
  allowed: AllowedHosts;
  /** WEBHOOK_ALLOW_HTTP: plain http to allowed hosts (only to them). */
  allowHttp: boolean;
  resolve?: Resolve;
  /** What the URLs are, as refusals name them: 'webhook' unless said (push endpoints share these rules). */
  what?: string;
}

/**
 * Where webhooks may go: https to public addresses, plus what the operator allows. Checked twice: when
 * a URL is registered, and at every delivery through `connectOptions`, whose lookup resolves, judges
 * every address and hands the connection only judged ones (the socket connects to them; nothing
 * resolves again, so a DNS answer that changes after registration — rebinding — is caught too).
 */
export class WebhookUrlPolicy {
  private readonly resolve: Resolve;
  private readonly what: string;

  constructor(private readonly options: WebhookUrlPolicyOptions) {
    this.resolve = options.resolve ?? systemResolve;
    this.what = options.what ?? 'webhook';
  }

  /** Registration: throws a WebhooksError unless `raw` may receive webhooks. */
  async check(raw: string): Promise<void> {
    const url = new URL(raw);
    if (!this.needsResolving(url)) return;
    const host = normalHost(url.hostname);
    this.judge(url, host, (await this.addressesOf(host)).map((a) => a.address));
  }

  /** Delivery: throws a WebhooksError for a URL refused outright; else what the request needs (a judging lookup). */
  connectOptions(url: URL): { lookup?: LookupFunction } {
    return this.needsResolving(url) ? { lookup: this.judgingLookup(url) } : {};
  }

  /** The checks needing no DNS; false when they settle it (an allowed name, an IP address judged already). */
  private needsResolving(url: URL): boolean {
    const http = url.protocol === 'http:';
    if (!http && url.protocol !== 'https:') throw WebhooksError.notHttps(url, this.what);
    const host = normalHost(url.hostname);
    if (this.options.allowed.names.has(host)) {
      if (http && !this.options.allowHttp) throw WebhooksError.notHttps(url, this.what);
      return false;
    }
    if (isIP(host) !== 0) {
      this.judge(url, host, [host]);
      return false;
    }
    if (host === 'localhost' || host.endsWith('.localhost')) throw WebhooksError.notPublic(host, 'a loopback name', this.what);
    // Plain http to a name is only ever allowed when all its addresses are allowed: no lookup without the option.
    if (http && !this.options.allowHttp) throw WebhooksError.notHttps(url, this.what);
    return true;
  }

  /** Every address must be public or allowed; plain http, every address allowed. */
  private judge(url: URL, host: string, addresses: string[]): void {
    const allowed = (address: string) => isAllowedAddress(this.options.allowed, address);
    for (const address of addresses) {
      const refused = allowed(address) ? undefined : refusedRange(address);
      if (refused) throw WebhooksError.notPublic(host, `${address === host ? '' : `it resolves to ${address}, `}${refused.name}: ${refused.cidr}`, this.what);
    }
    if (url.protocol === 'http:' && !(this.options.allowHttp && addresses.every(allowed))) throw WebhooksError.notHttps(url, this.what);
  }

  private async addressesOf(host: string): Promise<ResolvedAddress[]> {
    let addresses: ResolvedAddress[];
    try {
      addresses = await this.resolve(host);
    } catch (error) {
      throw WebhooksError.unresolvable(host, (error as NodeJS.ErrnoException).code ?? (error as Error).message, this.what);
    }
    if (addresses.length === 0) throw WebhooksError.unresolvable(host, 'no addresses', this.what);
    return addresses;
  }

  private judgingLookup(url: URL): LookupFunction {
    return (hostname, options, callback) => {
      const host = normalHost(hostname);
      this.addressesOf(host)
        .then((resolved) => {
          this.judge(url, host, resolved.map((a) => a.address));
          const wanted = typeof options.family === 'number' && options.family !== 0 ? resolved.filter((a) => a.family === options.family) : resolved;
          const [first] = wanted;
          if (!first) throw WebhooksError.unresolvable(host, `no IPv${options.family} address`, this.what);
          if (options.all) callback(null, wanted);
          else callback(null, first.address, first.family);
        })
        .catch((error: NodeJS.ErrnoException) => callback(error, ''));
    };
  }
}

/** The policy from the validated env (api.env.ts checked WEBHOOK_ALLOWED_HOSTS already). */
export function webhookUrlPolicyFromEnv(env: { WEBHOOK_ALLOWED_HOSTS?: string; WEBHOOK_ALLOW_HTTP: number }): WebhookUrlPolicy {
  return new WebhookUrlPolicy({ allowed: parseAllowedHosts(env.WEBHOOK_ALLOWED_HOSTS).allowed, allowHttp: env.WEBHOOK_ALLOW_HTTP === 1 });
}

/** The same rules for push endpoints, a user's own URL (any technician registers one), with their own allow-list. */
export function pushUrlPolicyFromEnv(env: { PUSH_ALLOWED_HOSTS?: string; PUSH_ALLOW_HTTP: number }): WebhookUrlPolicy {
  return new WebhookUrlPolicy({ allowed: parseAllowedHosts(env.PUSH_ALLOWED_HOSTS).allowed, allowHttp: env.PUSH_ALLOW_HTTP === 1, what: 'push endpoint' });
}
