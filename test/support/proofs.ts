import sharp from 'sharp';
import type { ApiClient, Reply } from './api-client';

/** A real JPEG photo (noise, so it does not compress to nothing) of `width`×`height`. */
export function photo(width = 800, height = 600): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 7919) % 251;
  return sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
}

/** A PNG like a signature canvas: a dark stroke on transparent. */
export function signature(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="600" height="200"><path d="M20 150 C 120 20, 220 180, 580 60" stroke="#111" stroke-width="4" fill="none"/></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** POST the image as the body, the way a phone's fetch or `curl --data-binary` does. */
export async function uploadProof(client: ApiClient, jobId: string, bytes: Buffer, query: string, headers: Record<string, string> = {}): Promise<Reply> {
  return client.send('POST', `/jobs/${jobId}/proofs?${query}`, bytes, { 'content-type': 'image/jpeg', ...headers });
}

/** GET an image: status, headers and the raw bytes. */
export async function downloadProof(client: ApiClient, path: string): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const response = await fetch(`${client.baseUrl}${path}`, { headers: client.credentials });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}
