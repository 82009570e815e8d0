import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { type FieldlineEvent, parseEvent } from '#libs/events';

type Offsets = Map<number, bigint>;

export interface ReplayStats {
  events: number;
  /** Unreadable records skipped (the live projection dead-lettered them already). */
  unreadable: number;
  consumed: number;
  /** Records to consume to reach the last end offsets asked for. */
  target: number;
}

/**
 * Reads one topic from its start with a throwaway consumer group and hands each batch to `apply`,
 * up to end offsets the caller takes when it wants (`endOffsets`, `until`), pausing in between:
 * the rebuilds' way to reach a consistent cut of the log.
 */
export class LogReplay {
  readonly stats: ReplayStats = { events: 0, unreadable: 0, consumed: 0, target: 0 };
  private readonly positions: Offsets = new Map();
  private readonly groupId: string;
  private consumer?: Consumer;
  private admin?: Admin;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly apply: (events: FieldlineEvent[]) => Promise<void>,
    private readonly onBatch: (stats: ReplayStats) => void = () => undefined,
  ) {
    this.groupId = `fieldline-rebuild-${topic}-${Date.now()}`;
  }

  async start(): Promise<void> {
    this.admin = this.kafka.admin();
    await this.admin.connect();
    this.consumer = this.kafka.consumer({ groupId: this.groupId, maxBytesPerPartition: 4 * 1024 * 1024 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      eachBatchAutoResolve: false,
      eachBatch: (payload) => {
        const batch = this.handle(payload);
        this.inFlight = batch.catch(() => undefined);
        return batch;
      },
    });
  }

  /** The topic's end offsets now: what `until` waits for. */
  async endOffsets(): Promise<Offsets> {
    const offsets = await this.admin!.fetchTopicOffsets(this.topic);
    // A partition starts where retention left it (low); an empty one is reached from the start.
    for (const o of offsets) if (!this.positions.has(o.partition)) this.positions.set(o.partition, BigInt(o.low));
    const end: Offsets = new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
    this.stats.target = this.stats.consumed + [...end].reduce((sum, [p, high]) => sum + Number(high - this.positions.get(p)!), 0);
    return end;
  }

  /** Resolves once every partition was applied up to `end`. */
  async until(end: Offsets): Promise<void> {
    const reached = () => [...end].every(([partition, high]) => this.positions.get(partition)! >= high);
    while (!reached()) await new Promise((r) => setTimeout(r, 50));
  }

  /** Stops fetching and waits for the batch in hand. */
  async pause(): Promise<void> {
    this.consumer!.pause([{ topic: this.topic }]);
    await this.inFlight;
  }

  resume(): void {
    this.consumer!.resume([{ topic: this.topic }]);
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    await this.admin?.deleteGroups([this.groupId]).catch(() => undefined);
    await this.admin?.disconnect();
  }

  private async handle({ batch, resolveOffset, heartbeat }: EachBatchPayload): Promise<void> {
    const events: FieldlineEvent[] = [];
    for (const message of batch.messages) {
      const parsed = message.value ? parseEvent(message.value) : undefined;
      if (parsed?.ok) events.push(parsed.event);
      else this.stats.unreadable++;
    }
    await this.apply(events);
    const last = batch.messages.at(-1);
    if (last) {
      resolveOffset(last.offset);
      this.positions.set(batch.partition, BigInt(last.offset) + 1n);
    }
    this.stats.events += events.length;
    this.stats.consumed += batch.messages.length;
    this.onBatch(this.stats);
    await heartbeat();
  }
}
