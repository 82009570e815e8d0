import { withKafkaEnv } from '#libs/kafka';
import { withLiveEnv } from '#libs/live';
import { BaseEnv, EnvInt, EnvString, withTokenVerifierEnv } from '#libs/platform';
import { withRedisEnv } from '#libs/redis';

/** WebSocket gateways: the tenant feeds from Redis, presence in Redis, chat to Kafka. */
export class RealtimeEnv extends withTokenVerifierEnv(withLiveEnv(withKafkaEnv(withRedisEnv(BaseEnv)))) {
  /** Connections this node (each process of REALTIME_PROCESSES) accepts; beyond, the upgrade is answered 503 with Retry-After. */
  @EnvInt({ min: 1 })
  REALTIME_MAX_CONNECTIONS: number = 20_000;

  /** Ping interval; a socket that misses two pongs is terminated. */
  @EnvInt({ min: 1, max: 300 })
  REALTIME_HEARTBEAT_S: number = 15;

  /** Bytes a socket may have unsent before location updates are coalesced (latest wins per subject). */
  @EnvInt({ min: 1024 })
  REALTIME_HIGH_WATER_BYTES: number = 262_144;

  /** Messages held for a slow socket beyond its high-water mark; past this it is closed with a resume id. */
  @EnvInt({ min: 10 })
  REALTIME_MAX_QUEUED: number = 2_000;

  /** A connection not heard from (heartbeat) for this long counts as gone, also when its node crashed. */
  @EnvInt({ min: 3 })
  PRESENCE_TTL_S: number = 30;

  /** A user with no activity on any connection for this long is idle. */
  @EnvInt({ min: 5 })
  PRESENCE_IDLE_AFTER_S: number = 300;

  /** This node's name in presence records (defaults to host-pid); each process of REALTIME_PROCESSES adds `-<index>`. */
  @EnvString({ pattern: /^[A-Za-z0-9_.-]{1,64}$/ })
  REALTIME_NODE_ID?: string;

  /**
   * Gateway processes on this machine sharing its port (Node's cluster module: the first process hands
   * each new connection to the next one in turn). Each is a node of its own: its own feed reader, presence
   * records, connection bound and slow-consumer closes; a client resumes on whichever it reaches.
   */
  @EnvInt({ min: 1, max: 64 })
  REALTIME_PROCESSES: number = 1;

  /** Set by realtime for each process it starts (REALTIME_PROCESSES > 1): its place, 0 … N-1. Not for operators. */
  @EnvInt({ min: 0, max: 63 })
  REALTIME_PROCESS_INDEX?: number;
}
