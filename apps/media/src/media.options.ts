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
  recordingsDir: string;
}
