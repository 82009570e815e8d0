import type { NextFunction, Request, Response } from 'express';
import { problem } from '#libs/platform';

const tooLarge = (maxBytes: number) => problem(413, 'payload-too-large', 'Payload Too Large', `a proof may be at most ${maxBytes} bytes`, { code: 'PROOF_TOO_LARGE' });

/**
 * The upload's bytes as `req.body` (a Buffer), before the guards and the idempotency interceptor run,
 * so a retried upload is compared by its bytes. Refused past `maxBytes`: by Content-Length before
 * reading, or while reading (chunked). A body Nest's JSON or form parser already took stays as it is
 * and is refused as not an image.
 */
export function proofBody(maxBytes: number) {
  return async (req: Request & { _body?: boolean }, _res: Response, next: NextFunction): Promise<void> => {
    if (req._body || req.readableEnded) return next();
    const declared = Number(req.header('content-length'));
    if (declared > maxBytes) throw tooLarge(maxBytes);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) {
        req.unpipe?.();
        throw tooLarge(maxBytes);
      }
      chunks.push(chunk);
    }
    req.body = Buffer.concat(chunks, size);
    next();
  };
}
