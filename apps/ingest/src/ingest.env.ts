import { ValidateBy, ValidateIf } from 'class-validator';
import { withKafkaEnv } from '#libs/kafka';
import { withMqttEnv } from '#libs/mqtt';
import { BaseEnv, EnvConnectionUrl, EnvInt, EnvOneOf, EnvString } from '#libs/platform';
import { withGuessLimitEnv, withRedisEnv } from '#libs/redis';
import { withDatabaseEnv } from '#libs/timescale';

/** Several processes share the broker's sessions only through Redis. */
const SharedSessions = () =>
  ValidateBy({
    name: 'sharedSessions',
    validator: {
      validate: (value, args) => {
        const env = args?.object as IngestEnv;
        return value === 1 || env.MQTT_MODE === 'external' || env.MQTT_SESSIONS === 'redis';
      },
      defaultMessage: () => '$property: several processes need MQTT_SESSIONS=redis (with memory each would hold its own sessions and queues)',
    },
  });

/** Devices and phones in (MQTT, HTTP), Kafka out; device credentials from TimescaleDB; presence in Redis. */
export class IngestEnv extends withGuessLimitEnv(withDatabaseEnv(withMqttEnv(withKafkaEnv(withRedisEnv(BaseEnv))))) {
  /** Larger payloads go to the dead-letter topic (truncated to this size). */
  @EnvInt({ min: 256, max: 1_000_000 })
  INGEST_MAX_PAYLOAD_BYTES: number = 65_536;

  /** How far ahead of the server clock a device time may be (clock drift). */
  @EnvInt({ min: 0 })
  INGEST_MAX_FUTURE_SKEW_S: number = 300;

  /** How old a fix may be and still be accepted (devices that store and forward). */
  @EnvInt({ min: 60 })
  INGEST_MAX_AGE_S: number = 604_800;

  /** A connected device silent for this long is reported stale. */
  @EnvInt({ min: 1 })
  INGEST_STALE_AFTER_S: number = 300;

  /** `embedded`: devices connect to ingest's own broker. `external`: ingest subscribes to MQTT_EXTERNAL_URL (scale-out). */
  @EnvOneOf(['embedded', 'external'])
  MQTT_MODE: 'embedded' | 'external' = 'embedded';

  @ValidateIf((env: IngestEnv) => env.MQTT_MODE === 'external')
  @EnvConnectionUrl(['mqtt', 'mqtts', 'ws', 'wss'], {
    required: true,
    message: 'MQTT_EXTERNAL_URL must be an mqtt://, mqtts://, ws:// or wss:// URL (required when MQTT_MODE=external)',
  })
  MQTT_EXTERNAL_URL?: string;

  /** Refused MQTT CONNECTs for one device id within GUESS_WINDOW_S that lock it. */
  @EnvInt({ min: 1, max: 1000 })
  GUESS_MQTT_PER_DEVICE: number = 5;

  /** Refused MQTT CONNECTs from one address within GUESS_WINDOW_S that lock it (phones share carrier NAT addresses). */
  @EnvInt({ min: 1, max: 100_000 })
  GUESS_MQTT_PER_ADDRESS: number = 50;

  /**
   * Ingest processes on this machine, sharing its ports (Node's cluster module: the first process
   * hands each new connection to the next one in turn) and, through Redis, the MQTT sessions.
   */
  @SharedSessions()
  @EnvInt({ min: 1, max: 64 })
  INGEST_PROCESSES: number = 1;

  /** Set by ingest for each process it starts (INGEST_PROCESSES > 1): its place, 0 … N-1. Not for operators. */
  @EnvInt({ min: 0, max: 63 })
  INGEST_PROCESS_INDEX?: number;

  /** This instance's stable name: its broker session (and unacknowledged messages) survive restarts. */
  @EnvString({ pattern: /^[A-Za-z0-9_.-]{1,64}$/ })
  INGEST_NODE_ID?: string;
}
