import { createHash } from 'node:crypto';

/**
 * A statement the server prepares once per connection and then only binds and runs: PostgreSQL plans
 * an unnamed statement again on every call, which on the hot paths cost as much as running it (event
 * appends, stream reads: planning was ~48 % of their server time under bench:api). For code-generated
 * text with placeholders only — never literals from input, which would make every text a new statement —
 * and one command per text.
 */
export interface Statement {
  /** Unset past the cap on distinct texts: then it runs unnamed. */
  readonly name?: string;
  readonly text: string;
}

/** One SQL command and its parameters, to run later (a read model's write inside an append, say). */
export interface Sql {
  text: string;
  values: unknown[];
}

const known = new Map<string, Statement>();
const KNOWN_MAX = 1_000; // distinct texts; more would be a bug, and must not grow each connection's cache without bound

/** The named statement for `text` (the same object each time). */
export function statement(text: string): Statement {
  let found = known.get(text);
  if (found) return found;
  if (known.size >= KNOWN_MAX) return { text };
  found = { name: `fl_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`, text };
  known.set(text, found);
  return found;
}

/** What node-postgres takes: a fresh config per call (it writes `values` into the object it is given). */
export function queryConfig(query: string | Statement, values?: unknown[], prepared = true): { name?: string; text: string; values?: unknown[] } {
  return typeof query === 'string' || !prepared ? { text: typeof query === 'string' ? query : query.text, values } : { name: query.name, text: query.text, values };
}
