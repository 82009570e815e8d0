import type { LoggerService, LogLevel as NestLogLevel } from '@nestjs/common';
import pino, { type Logger } from 'pino';
import type { LogLevel } from '../config/base.env';
import { activeTraceIds } from '../tracing/tracing';

/** One JSON line per record on stdout, with the app name on each: what log shippers expect. */
export function createLogger(app: string, level: LogLevel = 'info'): Logger {
  // trace_id/span_id of the active span on every line written inside one (a message's path across apps)
  return pino({ level, base: { app, pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime, mixin: activeTraceIds });
}

/**
 * Nest's LoggerService on pino. Nest calls `log(message, context)` or `error(message, stack, context)`;
 * objects are logged as fields, strings as `msg`.
 */
export class PinoLoggerService implements LoggerService {
  constructor(readonly pino: Logger) {}

  log(message: unknown, ...params: unknown[]) {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]) {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]) {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]) {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]) {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]) {
    this.write('fatal', message, params);
  }
  setLogLevels(levels: NestLogLevel[]) {
    const order: LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
    const map: Record<NestLogLevel, LogLevel> = { verbose: 'trace', debug: 'debug', log: 'info', warn: 'warn', error: 'error', fatal: 'fatal' };
    const lowest = order.find((l) => levels.some((n) => map[n] === l));
    if (lowest) this.pino.level = lowest;
  }

  private write(level: LogLevel, message: unknown, params: unknown[]) {
    const rest = [...params];
    // Nest appends the context (class name) as the last string parameter.
    const context = typeof rest.at(-1) === 'string' ? (rest.pop() as string) : undefined;
    const fields: Record<string, unknown> = context ? { context } : {};
    if (level === 'error' || level === 'fatal') {
      const stack = rest.find((p) => typeof p === 'string');
      if (stack) fields.stack = stack;
    }
    if (message instanceof Error) this.pino[level]({ ...fields, err: message }, message.message);
    else if (typeof message === 'object' && message !== null) this.pino[level]({ ...fields, ...message });
    else this.pino[level](fields, String(message));
  }
}
