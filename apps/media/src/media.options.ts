import type { Logger } from 'pino';
import type { CallPolicy } from '#libs/domain';

export const MEDIA_OPTIONS = Symbol('MEDIA_OPTIONS');

/** The media app's settings, from MediaEnv once at start. */
export interface MediaOptions {
  logger: Logger;
  nodeId: string;
  workers: number;
  listenIp: string;
  announcedAddress?: string;
  rtcPort: number;
  policy: CallPolicy;
  rejoinGraceMs: number;
  /** TURN relay offered to clients (TURN_URLS, TURN_SECRET); undefined: none. */
  turn?: { urls: string[]; secret: string; ttlS: number };
  iceTransportPolicy: 'all' | 'relay';
  /** Bits/s one participant may send (MEDIA_MAX_INCOMING_BITRATE). */
  maxIncomingBitrate: number;
  recordingsDir: string;
  /** MEDIASOUP_WORKER_BIN; unset: the shared worker of this mediasoup version, else mediasoup's own (see worker-binary.ts). */
  workerBin?: string;
}
