import { createHash } from 'node:crypto';

/**
 * A UUIDv7 that is a pure function of what caused the event: the time part is `atMs`, the random
 * part a hash of `parts`. A projection replayed after a crash emits the same id, so consumers drop
 * the repeat the same way they drop any duplicate.
 */
export function derivedEventId(atMs: number, ...parts: string[]): string {
  const bytes = createHash('sha256').update(parts.join('\u0000')).digest().subarray(0, 16);
  let ms = BigInt(Math.max(0, Math.floor(atMs)));
  for (let i = 5; i >= 0; i--) {
    bytes[i] = Number(ms & 0xffn);
    ms >>= 8n;
  }
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
