import { BlockList, isIP } from 'node:net';

// Which addresses a webhook may be sent to: the public internet only. A tenant admin chooses the URL,
// so without these rules the API would POST wherever they point it — the cloud metadata service, Redis
// on loopback, the private network (server-side request forgery). The ranges are IANA's special-purpose
// registries (RFC 6890 and its updates); the matching is node:net's BlockList.

interface Range {
  /** What the range is, as the refusal says it. */
  name: string;
  cidr: string;
  list: BlockList;
}

function range(name: string, cidr: string): Range {
  const [network = '', prefix = ''] = cidr.split('/');
  const list = new BlockList();
  list.addSubnet(network, Number(prefix), isIP(network) === 6 ? 'ipv6' : 'ipv4');
  return { name, cidr, list };
}

const IPV4: Range[] = [
  range('"this network"', '0.0.0.0/8'),
  range('private', '10.0.0.0/8'),
  range('carrier-grade NAT', '100.64.0.0/10'),
  range('loopback', '127.0.0.0/8'),
  range('link-local (cloud metadata services live here)', '169.254.0.0/16'),
  range('private', '172.16.0.0/12'),
  range('IETF protocol assignments', '192.0.0.0/24'),
  range('documentation', '192.0.2.0/24'),
  range('reserved (6to4 relay)', '192.88.99.0/24'),
  range('private', '192.168.0.0/16'),
  range('benchmarking', '198.18.0.0/15'),
  range('documentation', '198.51.100.0/24'),
  range('documentation', '203.0.113.0/24'),
  range('multicast', '224.0.0.0/4'),
  range('reserved', '240.0.0.0/4'),
];

/** IPv6 prefixes whose last 32 bits are an IPv4 address the packet really goes to: judged as that address. */
const EMBEDS_IPV4: Range[] = [range('IPv4-mapped', '::ffff:0:0/96'), range('NAT64', '64:ff9b::/96')];

const IPV6: Range[] = [
  range('unspecified', '::/128'),
  range('loopback', '::1/128'),
  range('IPv4-compatible (deprecated)', '::/96'),
  range('local-use NAT64', '64:ff9b:1::/48'),
  range('discard-only', '100::/64'),
  range('IETF protocol assignments (Teredo among them)', '2001::/23'),
  range('documentation', '2001:db8::/32'),
  range('6to4', '2002::/16'),
  range('documentation', '3fff::/20'),
  range('unique-local', 'fc00::/7'),
  range('link-local', 'fe80::/10'),
  range('site-local (deprecated)', 'fec0::/10'),
  range('multicast', 'ff00::/8'),
];

/** Global unicast: everything else in IPv6 is not (yet) the public internet. */
const GLOBAL_UNICAST = range('global unicast', '2000::/3');

/** The refusal of an address: the range it is in. */
export interface RefusedRange {
  name: string;
  cidr: string;
}

/** The IPv4 address in the last 32 bits of an IPv6 one (`::ffff:7f00:1` → `127.0.0.1`). */
function lastIpv4(ipv6: string): string {
  // The URL parser writes IPv6 in its canonical form, so the last two groups are hex (never dotted).
  const canonical = new URL(`http://[${ipv6}]/`).hostname.slice(1, -1);
  const groups = canonical.split(':').slice(-2).map((g) => Number.parseInt(g || '0', 16));
  const [high = 0, low = 0] = groups;
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/** Why `address` (an IP address, either family) must not be sent to, or undefined when it is public. */
export function refusedRange(address: string): RefusedRange | undefined {
  const family = isIP(address);
  if (family === 4) return IPV4.find((r) => r.list.check(address, 'ipv4'));
  if (family !== 6) return { name: 'not an IP address', cidr: address };
  const embedding = EMBEDS_IPV4.find((r) => r.list.check(address, 'ipv6'));
  if (embedding) {
    const inner = refusedRange(lastIpv4(address));
    return inner && { name: `${embedding.name} ${inner.name}`, cidr: `${embedding.cidr} (${inner.cidr})` };
  }
  const named = IPV6.find((r) => r.list.check(address, 'ipv6'));
  if (named) return named;
  return GLOBAL_UNICAST.list.check(address, 'ipv6') ? undefined : { name: 'reserved', cidr: 'outside 2000::/3' };
}

/** Hosts an operator lets webhooks reach despite the rules (WEBHOOK_ALLOWED_HOSTS). */
export interface AllowedHosts {
  /** Host names, lower case without a trailing dot. */
  names: ReadonlySet<string>;
  /** Addresses and CIDR networks. */
  networks: BlockList;
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** A host as compared: lower case, no trailing dot, IPv6 without brackets. */
export const normalHost = (host: string): string => host.toLowerCase().replace(/\.$/, '').replace(/^\[(.*)\]$/, '$1');

export const isAllowedAddress = (allowed: AllowedHosts, address: string): boolean => {
  const family = isIP(address);
  return family !== 0 && allowed.networks.check(address, family === 6 ? 'ipv6' : 'ipv4');
};

/**
 * WEBHOOK_ALLOWED_HOSTS: comma-separated host names (`localhost`, `erp.internal`), addresses
 * (`127.0.0.1`, `::1`) and CIDR networks (`10.1.0.0/16`). `invalid` lists the entries that are none of these.
 */
export function parseAllowedHosts(text: string | undefined): { allowed: AllowedHosts; invalid: string[] } {
  const names = new Set<string>();
  const networks = new BlockList();
  const invalid: string[] = [];
  for (const entry of (text ?? '').split(',').map((e) => e.trim())) {
    if (entry === '') continue;
    const [rawHost = '', prefix, extra] = entry.split('/');
    const host = normalHost(rawHost);
    const family = isIP(host);
    if (extra !== undefined) invalid.push(entry);
    else if (prefix !== undefined) {
      const bits = /^\d{1,3}$/.test(prefix) ? Number(prefix) : -1;
      if (family === 0 || bits < 0 || bits > (family === 4 ? 32 : 128)) invalid.push(entry);
      else networks.addSubnet(host, bits, family === 4 ? 'ipv4' : 'ipv6');
    } else if (family !== 0) networks.addAddress(host, family === 4 ? 'ipv4' : 'ipv6');
    else if (HOST_NAME.test(host)) names.add(host);
    else invalid.push(entry);
  }
  return { allowed: { names, networks }, invalid };
}
