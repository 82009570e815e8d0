import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32, deflateSync } from 'node:zlib';

// Another origin for the browser tests, on loopback: a MapLibre style at /style.json whose one raster
// source is this server's /tiles/{z}/{x}/{y}.png (every tile one solid colour, so a pixel under the
// map tells a tile from the local base map), and at any other path a page that may call the API.
// Everything it was asked is logged.

/** The tiles' colour: far from the local base map's background (#eef2f7) and from the markers. */
export const TILE_RGB = [232, 163, 61] as const;

export interface OtherOrigin {
  server: Server;
  url: string;
  styleUrl: string;
  requests: { path: string; headers: IncomingHttpHeaders }[];
  /** While set, the style answers 503 (a base map that cannot be loaded). */
  failStyle: boolean;
  close(): void;
}

export async function otherOrigin(): Promise<OtherOrigin> {
  const tile = solidPng(256, TILE_RGB);
  const origin: OtherOrigin = { server: createServer(), url: '', styleUrl: '', requests: [], failStyle: false, close: () => origin.server.close() };
  origin.server.on('request', (req, res) => {
    origin.requests.push({ path: req.url ?? '', headers: req.headers });
    // MapLibre fetches the style and the tiles with CORS, as it would from any tile server
    const cors = { 'access-control-allow-origin': '*' };
    if (req.url === '/style.json') {
      if (origin.failStyle) return res.writeHead(503, cors).end();
      const style = { version: 8, name: 'fixture-streets', sources: { streets: { type: 'raster', tiles: [`${origin.url}/tiles/{z}/{x}/{y}.png`], tileSize: 256, attribution: 'fixture tiles' } }, layers: [{ id: 'streets', type: 'raster', source: 'streets' }] };
      return res.writeHead(200, { ...cors, 'content-type': 'application/json' }).end(JSON.stringify(style));
    }
    if (req.url?.startsWith('/tiles/')) return res.writeHead(200, { ...cors, 'content-type': 'image/png' }).end(tile);
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>elsewhere</title>');
  });
  await new Promise<void>((resolve) => origin.server.listen(0, '127.0.0.1', resolve));
  origin.url = `http://127.0.0.1:${(origin.server.address() as AddressInfo).port}`;
  origin.styleUrl = `${origin.url}/style.json`;
  return origin;
}

/** A `size`×`size` PNG of one RGB colour (8-bit truecolour, every row unfiltered). */
function solidPng(size: number, [r, g, b]: readonly [number, number, number]): Buffer {
  const row = Buffer.alloc(1 + size * 3);
  for (let x = 0; x < size; x++) row.set([r, g, b], 1 + x * 3);
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(Buffer.concat(Array.from({ length: size }, () => row)))), chunk('IEND', Buffer.alloc(0))]);
}
