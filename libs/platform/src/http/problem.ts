import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { httpStatusOfKind, isDomainError } from '#libs/domain';

/** RFC 9457 problem details: the one error shape of every HTTP app. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  /** Machine-readable reason (a domain error code such as DOUBLE_BOOKED). */
  code?: string;
  /** Per-field problems for validation errors. */
  errors?: { field: string; messages: string[] }[];
  instance?: string;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Problem types are documented URIs under one base (docs/api.md, "Errors"). */
export const problemType = (slug: string) => `https://fieldline.dev/problems/${slug}`;

/** The problem type of an error code: DOUBLE_BOOKED → …/problems/double-booked. */
export const problemTypeOf = (code: string) => problemType(code.toLowerCase().replaceAll('_', '-'));

/** An error that already knows its problem (thrown by guards, pipes and services). */
export class ProblemError extends Error {
  constructor(
    readonly problem: Problem,
    readonly headers: Record<string, string> = {},
  ) {
    super(problem.detail ?? problem.title);
    this.name = 'ProblemError';
  }
}

export const problem = (status: number, slug: string, title: string, detail?: string, extra: Partial<Problem> = {}, headers: Record<string, string> = {}) =>
  new ProblemError({ type: problemType(slug), title, status, detail, ...extra }, headers);

export interface ProblemReply {
  problem: Problem;
  headers: Record<string, string>;
}

/** An app's own errors (a database away, a stale version, no media worker): its problem, or undefined. */
export type ProblemMapper = (error: unknown) => ProblemReply | undefined;

/** The title HTTP gives a status ("Unprocessable Entity"). */
export function titleOf(status: number): string {
  const name = HttpStatus[status];
  return name ? name.toLowerCase().split('_').map((w) => w[0]!.toUpperCase() + w.slice(1)).join(' ') : 'Error';
}

/**
 * Any error as a problem and its headers: the one mapping of every HTTP app (its filter, and bulk
 * results that answer a problem per item). The app's own errors first, then what every app shares:
 * problems thrown as such, domain errors by their kind, body-parser refusals, Nest's HTTP exceptions;
 * anything else a bare 500 that leaks nothing.
 */
export function toProblem(error: unknown, instance?: string, own?: ProblemMapper): ProblemReply {
  const mapped = own?.(error);
  if (mapped) return { problem: { ...mapped.problem, instance }, headers: mapped.headers };
  if (error instanceof ProblemError) return { problem: { ...error.problem, instance }, headers: error.headers };
  if (isDomainError(error)) {
    const status = httpStatusOfKind[error.kind];
    return { problem: { type: problemTypeOf(error.code), title: titleOf(status), status, detail: error.message, code: error.code, instance }, headers: {} };
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
      problem: { type: problemType(titleOf(status).toLowerCase().replaceAll(' ', '-')), title: titleOf(status), status, detail: Array.isArray(detail) ? detail.join('; ') : String(detail), instance },
      headers: {},
    };
  }
  return { problem: { type: problemType('internal'), title: 'Internal Server Error', status: 500, detail: 'unexpected error; it has been logged', instance }, headers: {} };
}

/**
 * Every error leaves as application/problem+json, except /health/ready's own report (which dependency
 * is down, and why), which goes out as it is. 503s are logged as warnings; other 5xx with their stack.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(
    private readonly logger: Logger,
    private readonly own?: ProblemMapper,
  ) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<Request>();
    const response = host.switchToHttp().getResponse<Response>();
    if (response.headersSent) return;
    if (error instanceof HttpException && isHealthReport(error.getResponse())) return void response.status(error.getStatus()).json(error.getResponse());
    const { problem, headers } = toProblem(error, request.originalUrl, this.own);
    if (problem.status === 503) this.logger.warn({ err: (error as Error).message, path: request.path, method: request.method }, 'answered 503: a dependency is unavailable');
    else if (problem.status >= 500) this.logger.error({ err: error, path: request.path, method: request.method }, 'unhandled error');
    response.status(problem.status).set({ ...headers, 'content-type': PROBLEM_CONTENT_TYPE }).send(JSON.stringify(problem));
  }
}

/** body-parser's error type, raised before any handler; Nest may wrap it in a BadRequestException. */
function bodyParserError(error: unknown): string | undefined {
  const own = (error as { type?: unknown }).type;
  const cause = (error as { cause?: { type?: unknown } }).cause?.type;
  const type = typeof own === 'string' ? own : cause;
  return typeof type === 'string' ? type : undefined;
}

const isHealthReport = (body: unknown): boolean => typeof body === 'object' && body !== null && 'details' in body && (body as { status?: unknown }).status === 'error';
