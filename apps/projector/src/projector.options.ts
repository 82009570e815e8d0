import type { Logger } from 'pino';
import type { ProjectionName } from './projector.env';

export const PROJECTOR_OPTIONS = Symbol('PROJECTOR_OPTIONS');

export interface ProjectorOptions {
  projections: ProjectionName[];
  logger: Logger;
  signalSweepMs: number;
}
