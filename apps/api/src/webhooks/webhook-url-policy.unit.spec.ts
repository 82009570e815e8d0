import { createServer } from 'node:http';
import type { AddressInfo, LookupFunction } from 'node:net';
import { parseAllowedHosts, refusedRange } from './webhook-address-rules';
import { postWebhook } from './webhook-http';
import { type Resolve, WebhookUrlPolicy } from './webhook-url-policy';
import { isUrlRefusal, WebhooksError } from './webhooks.errors';

// No DNS and no network: every host name resolves through a table given here.

const refused = [
  ['0.0.0.0', '0.0.0.0/8'],
  ['0.1.2.3', '0.0.0.0/8'],
  ['10.0.0.1', '10.0.0.0/8'],
  ['10.255.255.255', '10.0.0.0/8'],
  ['100.64.0.1', '100.64.0.0/10'],
  ['100.127.255.254', '100.64.0.0/10'],
  ['127.0.0.1', '127.0.0.0/8'],
  ['127.255.0.9', '127.0.0.0/8'],
  ['169.254.169.254', '169.254.0.0/16'],
  ['172.16.0.1', '172.16.0.0/12'],
  ['172.31.255.255', '172.16.0.0/12'],
  ['192.0.0.8', '192.0.0.0/24'],
  ['192.0.2.10', '192.0.2.0/24'],
  ['192.88.99.1', '192.88.99.0/24'],
  ['192.168.1.1', '192.168.0.0/16'],
  ['198.18.0.1', '198.18.0.0/15'],
  ['198.51.100.7', '198.51.100.0/24'],
  ['203.0.113.9', '203.0.113.0/24'],
  ['224.0.0.1', '224.0.0.0/4'],
  ['239.255.255.250', '224.0.0.0/4'],
  ['240.0.0.1', '240.0.0.0/4'],
  ['255.255.255.255', '240.0.0.0/4'],
  ['::', '::/128'],
  ['::1', '::1/128'],
  ['0:0:0:0:0:0:0:1', '::1/128'],
  ['::127.0.0.1', '::/96'],
  ['fe80::1', 'fe80::/10'],
  ['febf:ffff::1', 'fe80::/10'],
  ['fec0::1', 'fec0::/10'],
  ['fc00::1', 'fc00::/7'],
  ['fd12:3456:789a::1', 'fc00::/7'],
  ['ff02::1', 'ff00::/8'],
  ['100::1', '100::/64'],
  ['2001:db8::1', '2001:db8::/32'],
  ['2001:0:4136:e378::1', '2001::/23'],
  ['2002:7f00:1::1', '2002::/16'],
  ['64:ff9b:1::a00:1', '64:ff9b:1::/48'],
  ['::2', '::/96'],
  ['1::1', 'outside 2000::/3'],
  ['4000::1', 'outside 2000::/3'],
  // IPv4-mapped and NAT64 forms are judged as the IPv4 address inside
  ['::ffff:127.0.0.1', '::ffff:0:0/96 (127.0.0.0/8)'],
  ['::ffff:7f00:1', '::ffff:0:0/96 (127.0.0.0/8)'],
  ['0:0:0:0:0:ffff:7f00:0001', '::ffff:0:0/96 (127.0.0.0/8)'],
  ['::ffff:10.0.0.1', '::ffff:0:0/96 (10.0.0.0/8)'],
  ['::ffff:a9fe:a9fe', '::ffff:0:0/96 (169.254.0.0/16)'],
  ['::ffff:192.168.0.1', '::ffff:0:0/96 (192.168.0.0/16)'],
  ['::ffff:172.16.0.1', '::ffff:0:0/96 (172.16.0.0/12)'],
  ['::ffff:100.64.0.1', '::ffff:0:0/96 (100.64.0.0/10)'],
  ['::ffff:0.0.0.0', '::ffff:0:0/96 (0.0.0.0/8)'],
  ['::ffff:224.0.0.1', '::ffff:0:0/96 (224.0.0.0/4)'],
  ['64:ff9b::169.254.169.254', '64:ff9b::/96 (169.254.0.0/16)'],
  ['64:ff9b::a00:1', '64:ff9b::/96 (10.0.0.0/8)'],
] as const;

it.each(refused)('refuses %s (%s)', (address, cidr) => {
  expect(refusedRange(address)?.cidr).toBe(cidr);
});

it.each(['93.184.216.34', '1.1.1.1', '8.8.8.8', '100.63.255.255', '100.128.0.1', '172.15.255.255', '172.32.0.1', '192.167.255.255', '198.20.0.1', '223.255.255.255', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e', '::ffff:8.8.8.8', '64:ff9b::808:808'])(
  'accepts the public address %s',
  (address) => {
    expect(refusedRange(address)).toBeUndefined();
  },
);

it('reads WEBHOOK_ALLOWED_HOSTS: names, addresses, CIDR networks; names what it cannot read', () => {
  const { allowed, invalid } = parseAllowedHosts(' localhost , Hooks.Example.TEST. ,127.0.0.1, [::1], 10.1.0.0/16, fd00::/8, ,bad host, 10.0.0.0/33, a/1/2, ::1/129, 1.2.3.4/x');
  expect([...allowed.names].sort()).toEqual(['hooks.example.test', 'localhost']);
  expect(['127.0.0.1', '::1', '10.1.200.3', 'fd00::5'].map((a) => allowed.networks.check(a, a.includes(':') ? 'ipv6' : 'ipv4'))).toEqual([true, true, true, true]);
  expect(allowed.networks.check('127.0.0.2', 'ipv4')).toBe(false);
  expect(invalid).toEqual(['bad host', '10.0.0.0/33', 'a/1/2', '::1/129', '1.2.3.4/x']);
  expect(parseAllowedHosts(undefined)).toMatchObject({ invalid: [] });
});

/** A resolver from a table; `calls` records every name asked for. */
function table(entries: Record<string, string[]>): Resolve & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (host: string) => {
    calls.push(host);
    const addresses = entries[host];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(resolve, { calls });
}

const policy = (resolve: Resolve, allowedHosts = '', allowHttp = false) => new WebhookUrlPolicy({ allowed: parseAllowedHosts(allowedHosts).allowed, allowHttp, resolve });

async function refusal(check: Promise<void>): Promise<{ code: string; kind: string; message: string } | undefined> {
  try {
    await check;
    return undefined;
  } catch (error) {
    if (!(error instanceof WebhooksError)) throw error;
    return { code: error.code, kind: error.kind, message: error.message };
  }
}

describe('registration', () => {
  const dns = table({
    'hooks.example.com': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
    'split.example.com': ['93.184.216.34', '10.0.0.7'],
    'mapped.example.com': ['::ffff:169.254.169.254'],
    'internal.example.com': ['10.1.2.3'],
    'empty.example.com': [],
  });

  it('accepts https to a host whose every address is public', async () => {
    expect(await refusal(policy(dns).check('https://hooks.example.com/fieldline'))).toBeUndefined();
    expect(await refusal(policy(dns).check('https://93.184.216.34:8443/x'))).toBeUndefined();
    expect(await refusal(policy(dns).check('https://[2606:4700:4700::1111]/x'))).toBeUndefined();
  });

  it.each([
    'http://169.254.169.254/latest/meta-data/',
    'https://169.254.169.254/latest/meta-data/',
    'http://10.0.0.1/x',
    'https://[::1]/',
    'https://[::ffff:127.0.0.1]/',
    'https://[fe80::1]/',
    'https://[fd00::1]/',
    'https://2130706433/', // 127.0.0.1 written as a number: the URL parser normalises it first
    'https://0x7f.1/',
    'http://localhost:16379/',
    'https://LOCALHOST./',
    'https://api.localhost/',
  ])('refuses %s as not public, resolving nothing', async (url) => {
    const calls = dns.calls.length;
    expect(await refusal(policy(dns).check(url))).toMatchObject({ code: 'WEBHOOK_URL_NOT_PUBLIC', kind: 'unprocessable' });
    expect(dns.calls.length).toBe(calls);
  });

  it('refuses a name if ANY of its addresses is not public, and says which', async () => {
    const split = await refusal(policy(dns).check('https://split.example.com/x'));
    expect(split).toMatchObject({ code: 'WEBHOOK_URL_NOT_PUBLIC' });
    expect(split?.message).toContain('it resolves to 10.0.0.7, private: 10.0.0.0/8');
    expect(await refusal(policy(dns).check('https://mapped.example.com/x'))).toMatchObject({ code: 'WEBHOOK_URL_NOT_PUBLIC' });
  });

  it('requires https, and refuses plain http before asking DNS', async () => {
    const calls = dns.calls.length;
    expect(await refusal(policy(dns).check('http://hooks.example.com/x'))).toMatchObject({ code: 'WEBHOOK_URL_NOT_HTTPS', kind: 'validation' });
    expect(await refusal(policy(dns).check('http://93.184.216.34/x'))).toMatchObject({ code: 'WEBHOOK_URL_NOT_HTTPS' });
    expect(await refusal(policy(dns).check('ftp://hooks.example.com/x'))).toMatchObject({ code: 'WEBHOOK_URL_NOT_HTTPS' });
    expect(dns.calls.length).toBe(calls);
  });

  it('refuses a host that does not resolve', async () => {
    expect(await refusal(policy(dns).check('https://nowhere.example.com/x'))).toMatchObject({ code: 'WEBHOOK_URL_UNRESOLVABLE', kind: 'unprocessable' });
    expect(await refusal(policy(dns).check('https://empty.example.com/x'))).toMatchObject({ code: 'WEBHOOK_URL_UNRESOLVABLE' });
  });

  it('lets the allow-list through: addresses and networks, names; plain http only with WEBHOOK_ALLOW_HTTP and only to them', async () => {
    const dev = policy(dns, '127.0.0.1,10.1.0.0/16,localhost', true);
    expect(await refusal(dev.check('http://127.0.0.1:8080/hook'))).toBeUndefined();
    expect(await refusal(dev.check('http://localhost:8080/hook'))).toBeUndefined();
    expect(await refusal(dev.check('https://internal.example.com/hook'))).toBeUndefined();
    expect(await refusal(dev.check('http://internal.example.com/hook'))).toBeUndefined();
    expect(await refusal(dev.check('http://127.0.0.2/hook'))).toMatchObject({ code: 'WEBHOOK_URL_NOT_PUBLIC' });
    expect(await refusal(dev.check('http://hooks.example.com/hook'))).toMatchObject({ code: 'WEBHOOK_URL_NOT_HTTPS' });
    expect(await refusal(dev.check('https://split.example.com/hook'))).toMatchObject({ code: 'WEBHOOK_URL_NOT_PUBLIC' });

    const httpsOnly = policy(dns, '127.0.0.1,localhost');
    expect(await refusal(httpsOnly.check('https://127.0.0.1/hook'))).toBeUndefined();
    expect(await refusal(httpsOnly.check('http://127.0.0.1/hook'))).toMatchObject({ code: 'WEBHOOK_URL_NOT_HTTPS' });
    expect(await refusal(httpsOnly.check('http://localhost/hook'))).toMatchObject({ code: 'WEBHOOK_URL_NOT_HTTPS' });
  });
});

describe('delivery', () => {
  function lookUp(lookup: LookupFunction, host: string, options: { all?: boolean; family?: number }): Promise<unknown> {
    return new Promise((resolve, reject) =>
      lookup(host, options, (error, address, family) => (error ? reject(error) : resolve(options.all ? address : { address, family }))),
    );
  }

  it('judges again as it connects: a name that now resolves to a private address (rebinding) is refused', async () => {
    const answers = [['93.184.216.34'], ['93.184.216.34', '169.254.169.254']];
    const rebinding: Resolve = async () => (answers.shift() ?? []).map((address) => ({ address, family: 4 }));
    const rules = policy(rebinding);
    await rules.check('https://rebind.example.com/x');
    const { lookup } = rules.connectOptions(new URL('https://rebind.example.com/x'));
    const error = await lookUp(lookup!, 'rebind.example.com', { all: true }).catch((e: unknown) => e);
    expect(isUrlRefusal(error)).toBe(true);
    expect((error as Error).message).toContain('169.254.169.254');
  });

  it('hands the connection exactly the addresses it judged, in either form of the lookup', async () => {
    const dns = table({ 'hooks.example.com': ['2606:2800:220:1:248:1893:25c8:1946', '93.184.216.34'] });
    const { lookup } = policy(dns).connectOptions(new URL('https://hooks.example.com/x'));
    expect(await lookUp(lookup!, 'hooks.example.com', { all: true })).toEqual([
      { address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 },
      { address: '93.184.216.34', family: 4 },
    ]);
    expect(await lookUp(lookup!, 'hooks.example.com', { family: 4 })).toEqual({ address: '93.184.216.34', family: 4 });
  });

  it('refuses outright what needs no lookup: a private address, plain http', () => {
    const rules = policy(table({}));
    expect(() => rules.connectOptions(new URL('https://10.0.0.1/x'))).toThrow(expect.objectContaining({ code: 'WEBHOOK_URL_NOT_PUBLIC' }));
    expect(() => rules.connectOptions(new URL('http://hooks.example.com/x'))).toThrow(expect.objectContaining({ code: 'WEBHOOK_URL_NOT_HTTPS' }));
  });

  it('connects to the judged address and sends nothing once the name points somewhere refused (loopback receiver)', async () => {
    let received = 0;
    const server = createServer((req, res) => {
      received++;
      req.resume().on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const answers = [['127.0.0.1'], ['10.0.0.1']];
      const rules = policy(async () => (answers.shift() ?? []).map((address) => ({ address, family: 4 })), '127.0.0.1', true);
      const url = new URL(`http://receiver.test:${port}/hook`);
      const post = () => postWebhook({ url, ...rules.connectOptions(url), headers: { 'content-type': 'application/json' }, body: '{}', timeoutMs: 2000 });
      expect(await post()).toBe(204);
      const error = await post().catch((e: unknown) => e);
      expect(isUrlRefusal(error)).toBe(true);
      expect(received).toBe(1);
    } finally {
      server.close();
    }
  });
});
