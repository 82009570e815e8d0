import type { Logger } from 'pino';

export const REALTIME_OPTIONS = Symbol('REALTIME_OPTIONS');

export interface RealtimeOptions {
  logger: Logger;
  nodeId: string;
  maxConnections: number;
  heartbeatMs: number;
  highWaterBytes: number;
  maxQueued: number;
  presenceTtlMs: number;
  presenceIdleMs: number;
}
