import { cpus } from 'node:os';
import { IsIP, IsOptional } from 'class-validator';
import { withKafkaEnv } from '#libs/kafka';
import { BaseEnv, EnvInt, EnvOneOf, EnvString, withTokenVerifierEnv } from '#libs/platform';
import { withRedisEnv } from '#libs/redis';

/** The mediasoup SFU: calls and their signaling; call state in Redis, call events to Kafka. */
export class MediaEnv extends withTokenVerifierEnv(withKafkaEnv(withRedisEnv(BaseEnv))) {
  /** A built mediasoup-worker of the installed mediasoup version; unset: ../shared/mediasoup's (checksum checked), else mediasoup's own. */
  @EnvString()
  MEDIASOUP_WORKER_BIN?: string;

  /** mediasoup workers (one process each); one per core by default. */
  @EnvInt({ min: 1, max: 64 })
  MEDIA_WORKERS: number = cpus().length;

  /** Where media is received; 0.0.0.0 for every interface. */
  @IsOptional()
  @IsIP()
  MEDIA_LISTEN_IP: string = '0.0.0.0';

  /** The address clients reach (the public IP or name behind NAT); unset: the listen address. */
  @EnvString()
  MEDIA_ANNOUNCED_ADDRESS?: string;

  /** WebRtcServer port, UDP and TCP; worker n listens on this + n. */
  @EnvInt({ min: 1024, max: 65_000 })
  MEDIA_RTC_PORT: number = 40_000;

  @EnvInt({ min: 2, max: 100 })
  CALL_MAX_PARTICIPANTS: number = 8;

  /** An invitee who has not answered after this long has missed the call. */
  @EnvInt({ min: 5, max: 600 })
  CALL_RING_TIMEOUT_S: number = 30;

  /** How long a participant whose socket dropped keeps their place (rejoin without setting up again). */
  @EnvInt({ min: 1, max: 600 })
  CALL_REJOIN_GRACE_S: number = 30;

  /** What one participant may send, in bits/s: the server stops reading above it, and refuses a producer that asks for more. */
  @EnvInt({ min: 64_000, max: 50_000_000 })
  MEDIA_MAX_INCOMING_BITRATE: number = 1_500_000;

  /** TURN relays for clients behind restrictive networks, comma-separated (turn:host:3478?transport=udp,turns:host:5349); unset: no relay offered. */
  @EnvString({ pattern: /^turns?:[^,\s]+(,turns?:[^,\s]+)*$/, message: 'TURN_URLS must be turn:/turns: URLs separated by commas' })
  TURN_URLS?: string;

  /** The secret shared with the relay (coturn `use-auth-secret` / `static-auth-secret`): signs short-lived credentials. */
  @EnvString({ minLength: 16 })
  TURN_SECRET?: string;

  /** How long a call's TURN credentials stay valid. */
  @EnvInt({ min: 60, max: 86_400 })
  TURN_CREDENTIAL_TTL_S: number = 3600;

  /** `relay` makes clients send only through TURN (for networks that allow nothing else, and to test the relay). */
  @EnvOneOf(['all', 'relay'])
  MEDIA_ICE_TRANSPORT_POLICY: 'all' | 'relay' = 'all';

  /** Where recordings are written (by ffmpeg). */
  @EnvString()
  MEDIA_RECORDINGS_DIR: string = '.data/recordings';
}
