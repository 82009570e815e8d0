import type { Redis } from 'ioredis';
import { liveKeys } from './live-keys';
import { type FeedEntry, parseFeedEntry } from './feed-entry';

/**
 * Waits for new entries of many tenants' feeds at once (one XREAD over all of them) on a connection
 * of its own: a blocked connection can serve nothing else. Made by `LiveStateStore.feedTail()`.
 */
export class FeedTail {
  constructor(private readonly connection: Redis) {}

  /**
   * The entries after each tenant's id (oldest first, at most `count` per tenant), waiting up to
   * `blockMs` for one when there are none yet; tenants without new entries are left out.
   */
  async read(after: readonly (readonly [tenantId: string, lastId: string])[], count: number, blockMs: number): Promise<[tenantId: string, entries: FeedEntry[]][]> {
    const result = (await this.connection.xread(
      'COUNT', count, 'BLOCK', blockMs, 'STREAMS',
      ...after.map(([tenantId]) => liveKeys(tenantId).feed),
      ...after.map(([, lastId]) => lastId),
    )) as [string, [string, string[]][]][] | null;
    // Reply keys carry the connection's key prefix, if any.
    const prefix = this.connection.options.keyPrefix ?? '';
    const tenantOfKey = new Map(after.map(([tenantId]) => [prefix + liveKeys(tenantId).feed, tenantId]));
    const read: [string, FeedEntry[]][] = [];
    for (const [key, rows] of result ?? []) {
      const tenantId = tenantOfKey.get(key);
      if (tenantId !== undefined) read.push([tenantId, rows.map(([id, fields]) => parseFeedEntry(id, fields))]);
    }
    return read;
  }

  close(): void {
    this.connection.disconnect();
  }
}
