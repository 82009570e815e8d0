import { randomUUID } from 'node:crypto';
import type { CommandContext } from '#libs/domain';
import { type Clock, problem } from '#libs/platform';
import { actorOf, type Principal } from '../auth/principal';

/** The command context for a request: the server's clock, the caller as actor, the tenant. */
export function commandContext(clock: Clock, principal: Principal, correlationId?: string): CommandContext {
  return { now: clock.now(), actor: actorOf(principal), tenantId: principal.tenantId, correlationId: correlationId || randomUUID() };
}

/** If-Match: "<version>" → the version the client saw (undefined when absent). */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const match = /^(?:W\/)?"?(\d{1,9})"?$/.exec(header.trim());
  if (!match) throw problem(400, 'bad-if-match', 'Bad Request', 'If-Match must be the ETag of the resource, e.g. "3"');
  return Number(match[1]);
}

export const etag = (version: number) => `"${version}"`;
