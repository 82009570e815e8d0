import { type LogEntry, logLevel } from 'kafkajs';
import type { Logger } from 'pino';

const levels: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** One kafkajs log entry through the app's pino logger, as JSON with the kafkajs fields kept. */
export function logKafkaEntry(logger: Logger, entry: Pick<LogEntry, 'level' | 'namespace' | 'log'>): void {
  const { message, ...fields } = entry.log;
  logger[levels[entry.level] ?? 'info']({ context: `kafkajs:${entry.namespace}`, ...fields }, message);
}

export const kafkaLogCreator = (logger: Logger) => () => (entry: LogEntry) => logKafkaEntry(logger, entry);

/** kafkajs's INFO is chatty (every join/leave); keep it at WARN unless the app logs at debug. */
export const kafkaLogLevel = (level: string): logLevel => (level === 'debug' || level === 'trace' ? logLevel.INFO : logLevel.WARN);
