import type { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import { type EventOf, type FieldlineEvent, type JobEventType, type TechnicianEventType, topics } from '#libs/events';
import { liveKeys } from '#libs/live';
import { evolveJobEntry, evolveTechnicianEntry, type JobBoardEntry, type TechnicianBoardEntry } from '../dispatch/dispatch-board.state';
import { LogReplay, type ReplayStats } from './log-replay';

// Moves the rebuilt hash over the live one, keeping any live entry with a higher version (written
// by the live projection past the rebuild's cut): one atomic step per tenant hash.
// KEYS: live hash, rebuilt hash.
const SWAP = `
local live = redis.call('HGETALL', KEYS[1])
for i = 1, #live, 2 do
  local rebuilt = redis.call('HGET', KEYS[2], live[i])
  if not rebuilt or cjson.decode(rebuilt).version < cjson.decode(live[i + 1]).version then
    redis.call('HSET', KEYS[2], live[i], live[i + 1])
  end
end
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('RENAME', KEYS[2], KEYS[1]) end
return #live / 2
`;

export interface BoardRebuildResult extends ReplayStats {
  tenants: number;
  jobs: number;
  technicians: number;
  seconds: number;
}

type Board = { jobs: Map<string, JobBoardEntry>; technicians: Map<string, TechnicianBoardEntry> };

/**
 * Rebuilds the live job board and technician status (Redis) from the start of the dispatch topic:
 * folds every event with the projection's own functions into fresh hashes, then swaps each tenant's
 * in atomically. The feed is history, not state: it is left as it is.
 */
export class BoardRebuild {
  private readonly boards = new Map<string, Board>();

  constructor(
    private readonly redis: Redis,
    private readonly kafka: Kafka,
    private readonly onProgress: (stats: ReplayStats) => void = () => undefined,
  ) {}

  async run(): Promise<BoardRebuildResult> {
    const started = Date.now();
    const replay = new LogReplay(this.kafka, topics.dispatch.name, async (events) => this.fold(events), this.onProgress);
    try {
      await replay.start();
      await replay.until(await replay.endOffsets());
      await replay.pause();
    } finally {
      await replay.stop();
    }
    let jobs = 0;
    let technicians = 0;
    for (const [tenantId, board] of this.boards) {
      const keys = liveKeys(tenantId);
      jobs += await this.swapIn(keys.jobs, board.jobs);
      technicians += await this.swapIn(keys.technicians, board.technicians);
    }
    return { ...replay.stats, tenants: this.boards.size, jobs, technicians, seconds: (Date.now() - started) / 1000 };
  }

  private fold(events: FieldlineEvent[]): void {
    for (const e of events) {
      const board = this.boards.get(e.tenantId) ?? { jobs: new Map(), technicians: new Map() };
      this.boards.set(e.tenantId, board);
      if (e.type.startsWith('job.')) {
        const next = evolveJobEntry(board.jobs.get(e.streamId), e as EventOf<JobEventType>);
        if (next) board.jobs.set(e.streamId, next);
      } else if (e.type.startsWith('technician.')) {
        const next = evolveTechnicianEntry(board.technicians.get(e.streamId), e as EventOf<TechnicianEventType>);
        if (next) board.technicians.set(e.streamId, next);
      }
    }
  }

  private async swapIn(liveKey: string, entries: Map<string, JobBoardEntry | TechnicianBoardEntry>): Promise<number> {
    if (entries.size === 0) return 0;
    const temp = `${liveKey}:rebuild`;
    await this.redis.del(temp);
    const all = [...entries];
    for (let i = 0; i < all.length; i += 500) {
      await this.redis.hset(temp, Object.fromEntries(all.slice(i, i + 500).map(([id, entry]) => [id, JSON.stringify(entry)])));
    }
    await this.redis.eval(SWAP, 2, liveKey, temp);
    return entries.size;
  }
}
