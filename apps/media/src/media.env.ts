import { BaseEnv } from '#libs/platform';
import { withKafkaEnv } from '#libs/kafka';
import { withRedisEnv } from '#libs/redis';

/** The mediasoup SFU: call state in Redis, call events to Kafka. */
export class MediaEnv extends withKafkaEnv(withRedisEnv(BaseEnv)) {}
