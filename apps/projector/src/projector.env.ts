import { BaseEnv } from '#libs/platform';
import { withKafkaEnv } from '#libs/kafka';
import { withRedisEnv } from '#libs/redis';
import { withDatabaseEnv } from '#libs/timescale';

/** Kafka consumer groups writing history (TimescaleDB) and live state (Redis). */
export class ProjectorEnv extends withDatabaseEnv(withKafkaEnv(withRedisEnv(BaseEnv))) {}
