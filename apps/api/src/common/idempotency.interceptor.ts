import { createHash } from 'node:crypto';
import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { catchError, mergeMap, type Observable, of } from 'rxjs';
import { DatabaseService } from '#libs/timescale';
import type { Principal } from '../auth/principal';
import { problem } from '#libs/platform';

/** A claim older than this belongs to a request that died mid-way; a retry may run again. */
const STALE_CLAIM_SECONDS = 30;

interface StoredResponse {
  principal: string;
  request_hash: string;
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

/**
 * `Idempotency-Key` on a POST: the first request claims the key (per tenant), runs, and stores its
 * response; a retry with the same key and body gets that response again without running the command.
 * The same key with a different body is refused (422); a retry while the first is still running gets
 * 409 with Retry-After. Failed requests release the key: nothing was appended, so trying again is safe.
 * Weak spot: a process that dies after the append commits but before the response is stored leaves a
 * claim that a retry can take over after STALE_CLAIM_SECONDS and run again.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(private readonly db: DatabaseService) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const request = context.switchToHttp().getRequest<Request & { principal?: Principal }>();
    const response = context.switchToHttp().getResponse<Response>();
    const key = request.header('idempotency-key');
    const principal = request.principal;
    if (request.method !== 'POST' || key === undefined || !principal) return next.handle();
    if (!/^[\x21-\x7e]{1,200}$/.test(key)) throw problem(400, 'bad-idempotency-key', 'Bad Request', 'Idempotency-Key must be 1–200 visible ASCII characters');
    // an upload's body is its bytes (proofs): compared as they are
    const body = Buffer.isBuffer(request.body) ? request.body : JSON.stringify(request.body ?? null);
    const hash = createHash('sha256').update(`${request.method} ${request.originalUrl}\n`).update(body).digest('hex');
    const who = `${principal.kind}:${principal.id}`;

    const stored = await this.claim(principal.tenantId, key, who, hash);
    if (stored) {
      if (stored.principal !== who || stored.request_hash !== hash) {
        throw problem(422, 'idempotency-key-reused', 'Unprocessable Entity', 'this Idempotency-Key was used for a different request; use a new key');
      }
      if (stored.status === 0) {
        throw problem(409, 'idempotency-key-in-flight', 'Conflict', 'the first request with this Idempotency-Key is still running', {}, { 'retry-after': '1' });
      }
      response.status(stored.status).set({ ...stored.headers, 'idempotent-replayed': 'true' });
      return of(stored.body);
    }
    return next.handle().pipe(
      mergeMap(async (body: unknown) => {
        await this.complete(principal.tenantId, key, response, body);
        return body;
      }),
      catchError(async (error: unknown) => {
        await this.release(principal.tenantId, key, who, hash); // ours: the command failed, a retry may run
        throw error;
      }),
    );
  }

  /** Claims the key; undefined when we got it, otherwise what is stored under it. */
  private async claim(tenantId: string, key: string, who: string, hash: string): Promise<StoredResponse | undefined> {
    const claimed = await this.db.query(
      `INSERT INTO idempotency_keys (tenant_id, key, principal, request_hash, status) VALUES ($1, $2, $3, $4, 0)
       ON CONFLICT (tenant_id, key) DO UPDATE SET created_at = now()
         WHERE idempotency_keys.status = 0 AND idempotency_keys.created_at < now() - $5 * interval '1 second'
           AND idempotency_keys.principal = EXCLUDED.principal AND idempotency_keys.request_hash = EXCLUDED.request_hash
       RETURNING key`,
      [tenantId, key, who, hash, STALE_CLAIM_SECONDS],
    );
    if (claimed.rowCount) return undefined;
    const { rows } = await this.db.query<StoredResponse>(
      'SELECT principal, request_hash, status, body, headers FROM idempotency_keys WHERE tenant_id = $1 AND key = $2',
      [tenantId, key],
    );
    return rows[0];
  }

  private async complete(tenantId: string, key: string, response: Response, body: unknown): Promise<void> {
    const etag = response.getHeader('etag');
    await this.db.query('UPDATE idempotency_keys SET status = $3, body = $4, headers = $5 WHERE tenant_id = $1 AND key = $2', [
      tenantId,
      key,
      response.statusCode,
      JSON.stringify(body ?? null),
      JSON.stringify(etag ? { etag: String(etag) } : {}),
    ]);
  }

  private async release(tenantId: string, key: string, who: string, hash: string): Promise<void> {
    await this.db
      .query('DELETE FROM idempotency_keys WHERE tenant_id = $1 AND key = $2 AND principal = $3 AND request_hash = $4 AND status = 0', [tenantId, key, who, hash])
      .catch(() => undefined);
  }
}
