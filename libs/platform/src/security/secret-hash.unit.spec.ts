import { hashGeneratedSecret, hashSecret, newSecret, verifySecret } from './secret-hash';

const cheap = { N: 1024, r: 8, p: 1 }; // the format is what is tested, not the cost

it('verifies the right secret and refuses a wrong one', async () => {
  const secret = newSecret();
  const stored = await hashSecret(secret, cheap);
  expect(stored).toMatch(/^scrypt\$1024\$8\$1\$[\w-]+\$[\w-]+$/);
  expect(stored).not.toContain(secret);
  await expect(verifySecret(secret, stored)).resolves.toBe(true);
  await expect(verifySecret(`${secret}x`, stored)).resolves.toBe(false);
});

it('salts: the same secret hashes differently each time', async () => {
  expect(await hashSecret('s3cret', cheap)).not.toBe(await hashSecret('s3cret', cheap));
});

it('treats a malformed stored hash as no match', async () => {
  await expect(verifySecret('x', 'plain-text')).resolves.toBe(false);
  await expect(verifySecret('x', 'scrypt$1024$8$1$$')).resolves.toBe(false);
});

it('hashes generated secrets with one SHA-256, verified as strictly as scrypt ones', async () => {
  const secret = newSecret();
  const stored = hashGeneratedSecret(secret);
  expect(stored).toMatch(/^sha256\$[\w-]{43}$/);
  expect(stored).not.toContain(secret);
  await expect(verifySecret(secret, stored)).resolves.toBe(true);
  await expect(verifySecret(`${secret}x`, stored)).resolves.toBe(false);
  await expect(verifySecret(secret, 'sha256$')).resolves.toBe(false);
  await expect(verifySecret(secret, 'sha256$c2hvcnQ')).resolves.toBe(false); // a truncated digest
});
