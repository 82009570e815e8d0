import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { SpanKind } from '@opentelemetry/api';
import { type FeedEntry, type FeedTail, LiveStateStore } from '#libs/live';
import { Metrics, recordSpan, tracesExported } from '#libs/platform';
import { type Connection, HubEntry } from '../connection/connection';
import { REALTIME_OPTIONS, type RealtimeOptions } from '../realtime.options';
import { ViewportIndex } from './viewport-index';

const CATCH_UP_PAGE = 1_000;

/**
 * Fan-out of the tenant feeds to this node's sockets. One blocking reader (the store's FeedTail)
 * follows every tenant's feed that has a socket here (XREAD on all of them at once) and offers each entry to the
 * tenant's sockets; the feed is the fan-out channel between nodes, so no sticky sessions are needed
 * and any node can resume any client.
 */
@Injectable()
export class FeedHub implements OnApplicationShutdown {
  private readonly tenants = new Map<string, { connections: Set<Connection>; byViewport: ViewportIndex<Connection>; lastId: string; ready: Promise<void> }>();
  private tail?: FeedTail;
  private entryListener?: (tenantId: string, entry: FeedEntry) => void;
  private running = true;
  private loop?: Promise<void>;

  private readonly measure;

  constructor(
    private readonly live: LiveStateStore,
    @Inject(REALTIME_OPTIONS) private readonly options: RealtimeOptions,
    metrics: Metrics,
  ) {
    const hub = this;
    metrics.gauge({
      name: 'fieldline_realtime_connections',
      help: 'WebSocket connections following a feed on this node',
      collect() {
        this.set(hub.connectionCount);
      },
    });
    this.measure = {
      entries: metrics.counter({ name: 'fieldline_realtime_feed_entries_total', help: 'Feed entries this node read live (once each, whatever the fan-out)' }),
      offers: metrics.counter({ name: 'fieldline_realtime_deliveries_total', help: 'Feed entries offered to sockets (a location to the sockets whose viewport may hold it, anything else to all of the tenant’s on this node; rights and resume points filter some)' }),
      delay: metrics.histogram({ name: 'fieldline_realtime_feed_delay_seconds', help: 'Time from an entry’s write to the feed to this node handing it to its sockets' }),
    };
  }

  /** Told of every entry read from a feed, once per node (presence follows device entries). */
  onEntry(listener: (tenantId: string, entry: FeedEntry) => void): void {
    this.entryListener = listener;
  }

  get connectionCount(): number {
    let n = 0;
    for (const t of this.tenants.values()) n += t.connections.size;
    return n;
  }

  connectionsOf(tenantId: string): Iterable<Connection> {
    return this.tenants.get(tenantId)?.connections ?? [];
  }

  /**
   * Follows the tenant feed for `connection`: after `after` (resume: the missed entries first, in
   * order) or from now. Returns the id it follows from, or 'gap' when `after` was trimmed away.
   */
  async follow(connection: Connection, after?: string): Promise<{ feedId: string } | 'gap'> {
    const tenantId = connection.caller.tenantId;
    let tenant = this.tenants.get(tenantId);
    if (!tenant) {
      // Registered before the first await: sockets of a new tenant subscribing at once share it.
      const created = { connections: new Set<Connection>(), byViewport: new ViewportIndex<Connection>(), lastId: '0-0', ready: Promise.resolve() };
      created.ready = this.live.lastFeedId(tenantId).then((id) => void (created.lastId = id));
      tenant = created;
      this.tenants.set(tenantId, tenant);
    }
    await tenant.ready;
    // The last socket of the tenant may have left meanwhile and taken the entry with it.
    const current = this.tenants.get(tenantId);
    if (current) tenant = current;
    else this.tenants.set(tenantId, tenant);
    this.start();
    tenant.connections.add(connection);
    tenant.byViewport.place(connection);
    if (after === undefined) {
      connection.beginCatchUp(tenant.lastId);
      connection.endCatchUp();
      return { feedId: tenant.lastId };
    }
    connection.beginCatchUp(after);
    for (let cursor = after; ; ) {
      const page = await this.live.readFeed(tenantId, cursor, CATCH_UP_PAGE);
      if (page.gap) {
        connection.endCatchUp();
        return 'gap';
      }
      for (const entry of page.entries) connection.offer(new HubEntry(entry), true);
      if (page.entries.length < CATCH_UP_PAGE) break;
      cursor = page.entries.at(-1)!.id;
    }
    connection.endCatchUp();
    return { feedId: after };
  }

  /** The socket changed what it follows, where it looks or who it is: offered entries follow suit. */
  moved(connection: Connection): void {
    const tenant = this.tenants.get(connection.caller.tenantId);
    if (tenant?.connections.has(connection)) tenant.byViewport.place(connection);
  }

  unfollow(connection: Connection): void {
    const tenant = this.tenants.get(connection.caller.tenantId);
    if (!tenant) return;
    tenant.connections.delete(connection);
    tenant.byViewport.remove(connection);
    if (tenant.connections.size === 0) this.tenants.delete(connection.caller.tenantId);
  }

  private start(): void {
    if (this.loop) return;
    // named by node: one reader per node (per process), whatever its sockets; CLIENT LIST shows it
    this.tail = this.live.feedTail(`feed-reader-${this.options.nodeId}`);
    this.loop = this.read();
  }

  private async read(): Promise<void> {
    while (this.running) {
      // Tenants still fetching their start id join the next round.
      const tenants = [...this.tenants.entries()].filter(([, t]) => t.connections.size > 0);
      if (tenants.length === 0) {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      try {
        // A short block, so tenants that joined meanwhile are read from the next round.
        const read = await this.tail!.read(tenants.map(([id, t]) => [id, t.lastId] as const), 1_000, 250);
        for (const [tenantId, entries] of read) {
          const tenant = this.tenants.get(tenantId);
          if (!tenant) continue;
          for (const feedEntry of entries) {
            const entry = new HubEntry(feedEntry);
            tenant.lastId = feedEntry.id;
            let offered = 0;
            const offer = (connection: Connection) => {
              connection.offer(entry);
              offered++;
            };
            // a location only to the sockets that may see it; whoever does not follow locations never does
            if (feedEntry.kind === 'location') tenant.byViewport.near(feedEntry.data.lat, feedEntry.data.lon, offer);
            else tenant.connections.forEach(offer);
            this.entryListener?.(tenantId, feedEntry);
            this.measure.entries.inc();
            this.measure.offers.inc(offered);
            this.measure.delay.observe(Math.max(0, Date.now() - entry.ms) / 1000); // the feed id's time is Redis' wall clock
            // the delivery joins the trace of the event behind the entry (one span per entry, not per socket)
            if (feedEntry.traceparent && tracesExported()) recordSpan('feed.deliver', feedEntry.traceparent, { 'fieldline.sockets': tenant.connections.size }, SpanKind.PRODUCER);
          }
        }
      } catch (error) {
        if (!this.running) return;
        this.options.logger.warn({ context: 'feed-hub', err: (error as Error).message }, 'feed read failed; retrying');
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    this.tail?.close();
    await this.loop;
  }
}
