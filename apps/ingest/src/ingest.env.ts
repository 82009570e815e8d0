import { BaseEnv } from '#libs/platform';
import { withKafkaEnv } from '#libs/kafka';
import { withMqttEnv } from '#libs/mqtt';
import { withRedisEnv } from '#libs/redis';

/** Devices and phones in (MQTT, HTTP), Kafka out; presence and rate limits in Redis. */
export class IngestEnv extends withMqttEnv(withKafkaEnv(withRedisEnv(BaseEnv))) {}
