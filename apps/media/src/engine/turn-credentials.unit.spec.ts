import { spawnSync } from 'node:child_process';
import { turnCredentials } from './turn-credentials';

it('mints TURN REST credentials: an expiring username and its HMAC-SHA1 under the shared secret', () => {
  const now = Date.parse('2026-12-31T23:30:00Z');
  const ice = turnCredentials({ urls: ['turn:turn.example:3478?transport=udp', 'turns:turn.example:5349'], secret: 's3cret', ttlS: 3600 }, 'usr_ada', now);
  expect(ice.username).toBe(`${now / 1000 + 3600}:usr_ada`);
  expect(ice.urls).toEqual(['turn:turn.example:3478?transport=udp', 'turns:turn.example:5349']);
  // the same HMAC by another implementation (OpenSSL's), as coturn computes it
  const openssl = spawnSync('sh', ['-c', `printf '%s' '${ice.username}' | openssl dgst -sha1 -hmac s3cret -binary | base64`], { encoding: 'utf8' });
  expect(ice.credential).toBe(openssl.stdout.trim());
  expect(turnCredentials({ urls: [], secret: 'other', ttlS: 3600 }, 'usr_ada', now).credential).not.toBe(ice.credential);
});
