import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { httpStatusOfKind, isDomainError } from '#libs/domain';
import { DatabaseUnavailableError, isTransactionConflict, isUniqueViolation } from '#libs/timescale';
import { StaleVersionError, StreamConflictError } from '../event-store/event-store.errors';
import { PROBLEM_CONTENT_TYPE, type Problem, ProblemError, problemType } from './problem';

/** Domain error kind → HTTP is decided in libs/domain (httpStatusOfKind); codes that need 422 are listed. */
const unprocessable = new Set(['MISSING_SKILLS', 'TECHNICIAN_UNAVAILABLE']);

/**
 * Every error leaves as application/problem+json. Known errors keep their status and reason; anything
 * else is logged with its stack and answered with a bare 500 that leaks nothing.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const { problem, headers } = toProblem(error, request.originalUrl);
    if (problem.status === 503) this.logger.warn({ err: (error as Error).message, path: request.path, method: request.method }, 'answered 503: a dependency is unavailable');
    else if (problem.status >= 500) this.logger.error({ err: error, path: request.path, method: request.method }, 'unhandled error');
    if (response.headersSent) return;
    response.status(problem.status).set({ ...headers, 'content-type': PROBLEM_CONTENT_TYPE }).send(JSON.stringify(problem));
  }
}

/** Any error as a problem and its headers: the one mapping, used by the filter and by bulk results. */
export function toProblem(error: unknown, instance?: string): { problem: Problem; headers: Record<string, string> } {
  if (error instanceof ProblemError) return { problem: { ...error.problem, instance }, headers: error.headers };
  if (isDomainError(error)) {
    const status = unprocessable.has(error.code) ? 422 : httpStatusOfKind[error.kind];
    const slug = error.code.toLowerCase().replaceAll('_', '-');
    return { problem: { type: problemType(slug), title: titleOf(status), status, detail: error.message, code: error.code, instance }, headers: {} };
  }
  if (error instanceof StaleVersionError) {
    return {
      problem: { type: problemType('stale-version'), title: 'Precondition Failed', status: 412, detail: error.message, code: error.code, instance },
      headers: { etag: `"${error.actual}"` },
    };
  }
  if (error instanceof DatabaseUnavailableError) {
    return { problem: { type: problemType('database-unavailable'), title: 'Service Unavailable', status: 503, detail: error.message, code: error.code, instance }, headers: { 'retry-after': '2' } };
  }
  if (error instanceof StreamConflictError) {
    return { problem: { type: problemType('concurrent-change'), title: 'Conflict', status: 409, detail: error.message, code: error.code, instance }, headers: { 'retry-after': '1' } };
  }
  if (isTransactionConflict(error)) {
    const detail = 'the request collided with concurrent changes to the same data more often than it was retried; retry it';
    return { problem: { type: problemType('concurrent-change'), title: 'Conflict', status: 409, detail, code: 'TRANSACTION_CONFLICT', instance }, headers: { 'retry-after': '1' } };
  }
  if (isUniqueViolation(error)) {
    // a race the services do not name themselves (they answer their own 409s): still the client's to retry or fetch
    const detail = 'a concurrent request created the same thing first; fetch it, or retry';
    return { problem: { type: problemType('already-exists'), title: 'Conflict', status: 409, detail, code: 'ALREADY_EXISTS', instance }, headers: {} };
  }
  const parserError = bodyParserError(error);
  if (parserError === 'entity.parse.failed') {
    return { problem: { type: problemType('malformed-json'), title: 'Bad Request', status: 400, detail: 'the request body is not valid JSON', instance }, headers: {} };
  }
  if (parserError === 'entity.too.large') {
    return { problem: { type: problemType('payload-too-large'), title: 'Payload Too Large', status: 413, detail: 'the request body is too large', instance }, headers: {} };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const body = error.getResponse();
    const detail = typeof body === 'string' ? body : ((body as { message?: unknown }).message ?? error.message);
    return {
      problem: {
        type: problemType(titleOf(status).toLowerCase().replaceAll(' ', '-')),
        title: titleOf(status),
        status,
        detail: Array.isArray(detail) ? detail.join('; ') : String(detail),
        instance,
      },
      headers: {},
    };
  }
  return { problem: { type: problemType('internal'), title: 'Internal Server Error', status: 500, detail: 'unexpected error; it has been logged', instance }, headers: {} };
}

/** body-parser's error type, raised before any handler; Nest may wrap it in a BadRequestException. */
function bodyParserError(error: unknown): string | undefined {
  const own = (error as { type?: unknown }).type;
  const cause = (error as { cause?: { type?: unknown } }).cause?.type;
  const type = typeof own === 'string' ? own : cause;
  return typeof type === 'string' ? type : undefined;
}

function titleOf(status: number): string {
  const name = HttpStatus[status];
  return name ? name.toLowerCase().split('_').map((w) => w[0]!.toUpperCase() + w.slice(1)).join(' ') : 'Error';
}
