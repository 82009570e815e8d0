// bash tools/bootstrap.sh --build tsx tools/bench/access-token.bench.ts [--verifies 10000] [--rounds 5]
// What checking one access token costs per request: HS256 with the shared secret (JwtService with a
// KeyObject, as the apps did before asymmetric tokens) against EdDSA and ES256 as AccessTokenVerifier
// checks them now: a token seen for the first time (a signature check), and one seen before (a
// caller's next request with the same token). Median of the rounds, µs per verify, and each as a ratio
// of HS256 (a noisy box shifts them all alike).
import { createSecretKey, generateKeyPairSync } from 'node:crypto';
import { parseArgs } from 'node:util';
import { JwtService } from '@nestjs/jwt';
import { AccessTokenSigner, type AccessTokenClaims, AccessTokenVerifier, isRefusal, signingKeyFromPem, verificationKeyOf } from '#libs/platform';

const { values } = parseArgs({ options: { verifies: { type: 'string', default: '10000' }, rounds: { type: 'string', default: '5' } } });
const verifies = Number(values.verifies);
const rounds = Number(values.rounds);
const claims: AccessTokenClaims = { sub: '0193e6a0-user', tid: 'tnt_bench', role: 'dispatcher' };

function timed(label: string, verify: (i: number) => boolean): { label: string; us: number } {
  for (let i = 0; i < 1000; i++) if (!verify(i)) throw new Error(`${label}: the token was refused`);
  const perRound: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < verifies; i++) verify(i);
    perRound.push(Number(process.hrtime.bigint() - start) / 1000 / verifies);
  }
  return { label, us: perRound.sort((a, b) => a - b)[Math.floor(rounds / 2)]! };
}

const hs = new JwtService({ secret: createSecretKey(Buffer.from('bench-secret-that-is-at-least-32-characters')) });
const hsToken = hs.sign(claims, { algorithm: 'HS256', expiresIn: 900 });

const passes = (verifier: AccessTokenVerifier, token: string) => {
  const verdict = verifier.verify(token);
  return !(verdict instanceof Promise) && !isRefusal(verdict);
};

function asymmetric(type: 'ed25519' | 'ec'): ReturnType<typeof timed>[] {
  const pem = generateKeyPairSync(type as 'ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
  const key = signingKeyFromPem(pem);
  const signer = new AccessTokenSigner(key);
  // Fresh verifiers and distinct tokens: every check of the first row is a first sight.
  const tokens = Array.from({ length: verifies }, (_, i) => signer.sign({ ...claims, sub: `user-${i}` }, 900));
  const name = type === 'ed25519' ? 'EdDSA (Ed25519)' : 'ES256 (P-256)';
  let fresh = new AccessTokenVerifier([verificationKeyOf(key)]);
  const same = new AccessTokenVerifier([verificationKeyOf(key)]);
  return [
    timed(`${name}, first sight`, (i) => (i === 0 && (fresh = new AccessTokenVerifier([verificationKeyOf(key)])), passes(fresh, tokens[i % verifies]!))),
    timed(`${name}, seen before`, () => passes(same, tokens[0]!)),
  ];
}

const results = [timed('HS256 (JwtService, shared secret)', () => hs.verify(hsToken, { algorithms: ['HS256'] }).sub === claims.sub), ...asymmetric('ed25519'), ...asymmetric('ec')];
console.log(`Node ${process.version}, ${verifies} verifies × ${rounds} rounds (median)`);
for (const { label, us } of results) console.log(`${label.padEnd(36)} ${us.toFixed(1).padStart(6)} µs/verify  ×${(us / results[0]!.us).toFixed(2)}`);
