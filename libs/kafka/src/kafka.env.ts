import { Matches } from 'class-validator';
import { type Constructor, EnvInt, EnvOneOf, EnvString } from '#libs/platform';
import { type ProducerPlacement, producerPlacements } from './producer-connection';

/** KAFKA_BROKERS: comma-separated host:port list, e.g. `127.0.0.1:19092` or `kafka-1:9092,kafka-2:9092`. */
export function withKafkaEnv<Base extends Constructor>(base: Base) {
  class KafkaEnv extends base {
    @Matches(/^[^\s,:]+:\d{1,5}(,[^\s,:]+:\d{1,5})*$/, { message: 'KAFKA_BROKERS must be host:port[,host:port…]' })
    KAFKA_BROKERS!: string;

    /** Names this process to the brokers (quotas, logs); defaults to fieldline-<app>. */
    @EnvString()
    KAFKA_CLIENT_ID?: string;

    /** How long a produce request waits for more records once it has one (ms); fewer, larger requests. */
    @EnvInt({ min: 0, max: 100 })
    KAFKA_LINGER_MS: number = 5;

    /** `thread`: the producer encodes and sends on a worker thread; `inline`: on the app's own. Unset: the app's choice (ingest: thread). */
    @EnvOneOf(producerPlacements)
    KAFKA_PRODUCER?: ProducerPlacement;

    /** Copies of each topic partition: 1 on one broker, 3 in the HA shape (min.insync.replicas then 2). */
    @EnvInt({ min: 1, max: 3 })
    KAFKA_REPLICATION_FACTOR: number = 1;
  }
  return KafkaEnv;
}

export const brokerList = (value: string): string[] => value.split(',').map((b) => b.trim());
