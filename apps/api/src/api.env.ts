import { BaseEnv } from '#libs/platform';
import { withKafkaEnv } from '#libs/kafka';
import { withRedisEnv } from '#libs/redis';
import { withDatabaseEnv } from '#libs/timescale';

/** REST commands and queries: the event store (TimescaleDB), the outbox relay (Kafka), rate limits (Redis). */
export class ApiEnv extends withDatabaseEnv(withKafkaEnv(withRedisEnv(BaseEnv))) {}
