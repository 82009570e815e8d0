import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import type { Redis } from 'ioredis';
import { type EventData, keyFor, newEnvelope, serializeEvent, topicFor } from '#libs/events';
import { KafkaService } from '#libs/kafka';
import { LiveStateStore } from '#libs/live';
import { Clock } from '#libs/platform';
import type { ServerFrames } from '#libs/realtime-client';
import { RedisService } from '#libs/redis';
import type { Caller } from '../connection/connection';
import { REALTIME_OPTIONS, type RealtimeOptions } from '../realtime.options';

const typingChannel = (tenantId: string) => `fl:{${tenantId}}:typing`;

export class ChatRefusal extends Error {
  constructor(
    readonly code: 'JOB_NOT_FOUND' | 'UNAVAILABLE',
    message: string,
  ) {
    super(message);
  }
}

/**
 * The job chat: messages and receipts become events on Kafka (acks=all before the sender hears
 * back), the projector puts them in the tenant feed, and they reach every socket that may see the
 * job from there. Typing indicators are ephemeral: Redis pub/sub to every node, never stored.
 */
@Injectable()
export class ChatService implements OnApplicationBootstrap {
  private subscriber?: Redis;
  private listener?: (tenantId: string, typing: ServerFrames['typing']) => void;

  constructor(
    private readonly kafka: KafkaService,
    private readonly live: LiveStateStore,
    private readonly redis: RedisService,
    private readonly clock: Clock,
    @Inject(REALTIME_OPTIONS) private readonly options: RealtimeOptions,
  ) {}

  onTyping(listener: (tenantId: string, typing: ServerFrames['typing']) => void): void {
    this.listener = listener;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.subscriber = this.redis.subscriber('typing');
    this.subscriber.on('pmessage', (_pattern: string, channel: string, message: string) => {
      const tenantId = /fl:\{(.+)\}:typing$/.exec(channel)?.[1];
      if (tenantId) this.listener?.(tenantId, JSON.parse(message) as ServerFrames['typing']);
    });
    await this.subscriber.psubscribe(`${this.redis.client.options.keyPrefix ?? ''}fl:{*}:typing`);
  }

  /** The job as the board has it, if this caller may talk about it (its technician, or the office). */
  async technicianOf(caller: Caller, jobId: string): Promise<string | undefined> {
    const job = (await this.live.getDocs<{ technicianId?: string }>(caller.tenantId, 'jobs', [jobId])).get(jobId);
    if (!job || (caller.role === 'technician' && job.technicianId !== caller.technicianId)) {
      throw new ChatRefusal('JOB_NOT_FOUND', `no job ${jobId}`);
    }
    return job.technicianId;
  }

  async post(caller: Caller, jobId: string, text: string): Promise<string> {
    await this.technicianOf(caller, jobId);
    const messageId = `msg_${uuidv7()}`;
    await this.publish(caller, 'chat.message_posted', { jobId, messageId, authorId: caller.userId, authorRole: caller.role as never, text });
    return messageId;
  }

  async receipt(caller: Caller, kind: 'delivered' | 'read', jobId: string, messageId: string): Promise<void> {
    await this.technicianOf(caller, jobId);
    await this.publish(caller, kind === 'read' ? 'chat.message_read' : 'chat.message_delivered', { jobId, messageId, userId: caller.userId });
  }

  async typing(caller: Caller, jobId: string): Promise<void> {
    await this.technicianOf(caller, jobId);
    await this.redis.client.publish(typingChannel(caller.tenantId), JSON.stringify({ jobId, userId: caller.userId, role: caller.role }));
  }

  private async publish<T extends 'chat.message_posted' | 'chat.message_read' | 'chat.message_delivered'>(caller: Caller, type: T, data: EventData<T>): Promise<void> {
    const event = newEnvelope({ type, data, tenantId: caller.tenantId, streamId: (data as { jobId: string }).jobId, actor: { kind: 'user', id: caller.userId } }, { clock: () => this.clock.now() });
    try {
      await this.kafka.send([{ topic: topicFor(event), key: keyFor(event), value: serializeEvent(event), headers: { 'tenant-id': caller.tenantId, 'event-type': type } }]);
    } catch (error) {
      this.options.logger.warn({ context: 'chat', err: (error as Error).message }, 'chat event not stored');
      throw new ChatRefusal('UNAVAILABLE', 'the message could not be stored; send it again');
    }
  }
}
