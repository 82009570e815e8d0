import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSha256Sums, sha256File } from './checksums';

it('reads a sha256sum listing, text and binary mode, skipping blank lines; none without the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sums-'));
  writeFileSync(join(dir, 'a.bin'), 'abc');
  const hash = sha256File(join(dir, 'a.bin'));
  expect(hash).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  writeFileSync(join(dir, 'SHA256SUMS'), `${hash}  a.bin\n\n${'0'.repeat(64)} *lib/b.so\n`);
  expect(readSha256Sums(join(dir, 'SHA256SUMS'))).toEqual(new Map([['a.bin', hash], ['lib/b.so', '0'.repeat(64)]]));
  expect(readSha256Sums(join(dir, 'missing'))).toBeUndefined();
});
