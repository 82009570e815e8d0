import { Controller, Get, Query } from '@nestjs/common';
import { FeedHub } from '../feed/feed.hub';

/** What this node holds, for operators and `npm run bench:realtime` (no tenant data in it). */
@Controller('stats')
export class StatsController {
  constructor(private readonly hub: FeedHub) {}

  /** `?gc=1` collects garbage first when the node runs with --expose-gc (the benchmark does). */
  @Get()
  stats(@Query('gc') gc?: string) {
    const collect = (globalThis as { gc?: () => void }).gc;
    if (gc === '1' && collect) collect();
    const memory = process.memoryUsage();
    return { connections: this.hub.connectionCount, heapUsedBytes: memory.heapUsed, rssBytes: memory.rss, externalBytes: memory.external };
  }
}
