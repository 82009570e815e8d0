import { BaseEnv } from '#libs/platform';
import { withKafkaEnv } from '#libs/kafka';
import { withRedisEnv } from '#libs/redis';

/** WebSocket gateways: fan-out and resumable feeds through Redis, events from Kafka. */
export class RealtimeEnv extends withKafkaEnv(withRedisEnv(BaseEnv)) {}
