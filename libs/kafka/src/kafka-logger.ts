import { type LogEntry, logLevel } from 'kafkajs';
import type { Logger } from 'pino';

const levels: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

// Broker answers kafkajs logs as errors although they are a group's or a broker's normal life: a
// rebalance when a member joins or leaves, a coordinator still loading after a restart. kafkajs
// retries them itself; an operator must not be paged by them.
const ROUTINE = /group is rebalancing|coordinator is (loading|not available)|not the correct coordinator|leadership election/i;

/** One kafkajs log entry through the app's pino logger, as JSON with the kafkajs fields kept. */
export function logKafkaEntry(logger: Logger, entry: Pick<LogEntry, 'level' | 'namespace' | 'log'>): void {
  const { message, ...fields } = entry.log;
  const routine = entry.level <= logLevel.WARN && ROUTINE.test(`${message} ${String((fields as { error?: unknown }).error ?? '')}`);
  logger[routine ? 'info' : (levels[entry.level] ?? 'info')]({ context: `kafkajs:${entry.namespace}`, ...fields }, message);
}

export const kafkaLogCreator = (logger: Logger) => () => (entry: LogEntry) => logKafkaEntry(logger, entry);

/** kafkajs's INFO is chatty (every join/leave); keep it at WARN unless the app logs at debug. */
export const kafkaLogLevel = (level: string): logLevel => (level === 'debug' || level === 'trace' ? logLevel.INFO : logLevel.WARN);
