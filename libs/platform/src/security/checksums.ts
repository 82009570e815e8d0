import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';

/** A `sha256sum` listing (`<hex>  <file>`, `*` for binary mode) as file → hash; undefined without the file. */
export function readSha256Sums(sumsFile: string): Map<string, string> | undefined {
  if (!existsSync(sumsFile)) return undefined;
  const sums = new Map<string, string>();
  for (const line of readFileSync(sumsFile, 'utf8').split('\n')) {
    const [hash, file] = line.trim().split(/\s+\*?/);
    if (hash && file) sums.set(file, hash);
  }
  return sums;
}

/** The SHA-256 of a file's bytes, hex. */
export const sha256File = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
