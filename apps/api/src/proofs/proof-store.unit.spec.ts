import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskProofStore } from './disk-proof.store';
import { sniffImage } from './proof-image';
import { proofPath } from './proof-store';

const key = { tenantId: 'tnt_1', jobId: 'job_1', proofId: 'prf_1', variant: 'original' } as const;

it('recognises JPEG, PNG and WebP by their first bytes, nothing else', () => {
  expect(sniffImage(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]))).toBe('image/jpeg');
  expect(sniffImage(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]))).toBe('image/png');
  expect(sniffImage(Buffer.from('RIFF\0\0\0\0WEBPVP8 ', 'latin1'))).toBe('image/webp');
  expect(sniffImage(Buffer.from('GIF89a'))).toBeUndefined();
  expect(sniffImage(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeUndefined();
  expect(sniffImage(Buffer.alloc(0))).toBeUndefined();
});

it('makes keys only from ids that cannot leave their folder', () => {
  expect(proofPath(key)).toBe('tnt_1/job_1/prf_1/original');
  for (const bad of ['..', '.', 'a/b', '', 'x\\y']) expect(() => proofPath({ ...key, jobId: bad })).toThrow('not a storable id');
});

it('keeps bytes and type on disk, replaces on a second put, and answers undefined for what it lacks', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'proof-store-'));
  try {
    const store = new DiskProofStore(dir);
    await store.put(key, { bytes: Buffer.from('first'), contentType: 'image/png' });
    await store.put(key, { bytes: Buffer.from('second'), contentType: 'image/jpeg' });
    await expect(store.get(key)).resolves.toEqual({ bytes: Buffer.from('second'), contentType: 'image/jpeg' });
    await expect(store.get({ ...key, variant: 'thumbnail' })).resolves.toBeUndefined();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
