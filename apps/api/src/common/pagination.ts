import type { QueryResultRow } from 'pg';
import type { Queryable } from '#libs/timescale';
import { DomainError } from '#libs/domain';

// Keyset pagination: pages continue after the (sort key, id) of the last row, so they stay stable
// while rows are inserted and never scan skipped rows (no OFFSET). The cursor is opaque to clients.

export interface PageRequest {
  /** FROM clause (a table or view). */
  from: string;
  /** Conditions, ANDed; `$n` placeholders numbered against `values`. */
  where: string[];
  values: unknown[];
  /** A text-valued SQL expression to sort by (cast timestamps with ::text). */
  sortKey: string;
  idColumn: string;
  limit: number;
  cursor?: string;
}

export async function keysetPage<Row extends QueryResultRow>(db: Queryable, request: PageRequest): Promise<{ rows: Row[]; nextCursor: string | null }> {
  const values = [...request.values];
  const where = [...request.where];
  if (request.cursor) {
    const [key, id] = decodeCursor(request.cursor);
    where.push(`(${request.sortKey}, ${request.idColumn}) > ($${values.push(key)}, $${values.push(id)})`);
  }
  const { rows } = await db.query<Row & { page_key: string; page_id: string }>(
    `SELECT *, ${request.sortKey} AS page_key, ${request.idColumn} AS page_id FROM ${request.from}
      WHERE ${where.join(' AND ')} ORDER BY ${request.sortKey}, ${request.idColumn} LIMIT $${values.push(request.limit + 1)}`,
    values,
  );
  const page = rows.slice(0, request.limit);
  const last = page.at(-1);
  return { rows: page, nextCursor: rows.length > request.limit && last ? encodeCursor(last.page_key, last.page_id) : null };
}

const encodeCursor = (key: string, id: string) => Buffer.from(JSON.stringify([key, id])).toString('base64url');

function decodeCursor(cursor: string): [string, string] {
  try {
    const [key, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown[];
    if (typeof key === 'string' && typeof id === 'string') return [key, id];
  } catch {
    // fall through to the refusal
  }
  throw new CursorError();
}

/** A page cursor this API did not issue (or that was tampered with). */
export class CursorError extends DomainError<'BAD_CURSOR'> {
  constructor() {
    super('BAD_CURSOR', 'validation', 'cursor is not one this API issued: start again without it');
  }
}

/** LIKE pattern for "starts with", with the user's % and _ taken literally. */
export const startsWith = (text: string) => `${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
