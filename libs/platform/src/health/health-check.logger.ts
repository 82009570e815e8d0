import { Injectable, Logger, type LoggerService } from '@nestjs/common';

/** How often the same failing check is logged again while it keeps failing. */
const REPEAT_MS = 60_000;

/**
 * Terminus logs every failing readiness probe at error level; a load balancer polling a not-ready app
 * would fill the log with the same line every second. This logs a failure once, then again only when
 * it changes or a minute has passed.
 */
@Injectable()
export class HealthCheckLogger implements LoggerService {
  private readonly logger = new Logger('health');
  private last = { text: '', at: 0 };

  /** Real time on purpose: this paces log output, it is no business time. (Tests override it.) */
  protected now(): number {
    return Date.now();
  }

  error(message: unknown, ...rest: unknown[]): void {
    const text = `${String(message)} ${rest.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join(' ')}`.replace(/"responseTime(Ms)?":\s*\d+/g, '');
    const at = this.now();
    if (text === this.last.text && at - this.last.at < REPEAT_MS) return;
    this.last = { text, at };
    this.emit(message, rest);
  }

  /** Where a failure that passed goes: the app's logger. (Tests override it.) */
  protected emit(message: unknown, rest: unknown[]): void {
    this.logger.error(message, ...rest);
  }

  log(message: unknown, ...rest: unknown[]): void {
    this.logger.log(message, ...rest);
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.logger.warn(message, ...rest);
  }
}
