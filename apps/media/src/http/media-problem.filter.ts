import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { httpStatusOfKind, isDomainError } from '#libs/domain';
import { RoomError } from '../engine/call-room';
import { MediaUnavailableError } from '../engine/worker-pool.service';

const type = (slug: string) => `https://fieldline.dev/problems/${slug}`;
const slugOf = (code: string) => code.toLowerCase().replaceAll('_', '-');

/** Errors as application/problem+json (RFC 9457), the same shape as the API's; never a bare 500 with details. */
@Catch()
export class MediaProblemFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<Request>();
    const response = host.switchToHttp().getResponse<Response>();
    const headers: Record<string, string> = {};
    let body: Record<string, unknown>;
    if (error instanceof MediaUnavailableError) {
      headers['retry-after'] = '30';
      body = { type: type('media-unavailable'), title: 'Service Unavailable', status: 503, detail: `calls cannot be taken now: ${error.message}`, code: 'MEDIA_UNAVAILABLE' };
    } else if (isDomainError(error)) {
      body = { type: type(slugOf(error.code)), title: error.kind, status: httpStatusOfKind[error.kind], detail: error.message, code: error.code };
    } else if (error instanceof RoomError) {
      body = { type: type(slugOf(error.code)), title: 'Conflict', status: 409, detail: error.message, code: error.code };
    } else if (error instanceof HttpException && isHealthReport(error.getResponse())) {
      // /health/ready's own report (which dependency is down, and why) goes out as it is
      return void response.status(error.getStatus()).json(error.getResponse());
    } else if (error instanceof HttpException) {
      const status = error.getStatus();
      const reply = error.getResponse() as { message?: string | string[] } | string;
      const detail = typeof reply === 'string' ? reply : Array.isArray(reply.message) ? reply.message.join('; ') : (reply.message ?? error.message);
      body = { type: type(status === 401 ? 'unauthorized' : status === 404 ? 'not-found' : 'bad-request'), title: error.name.replace(/Exception$/, ''), status, detail };
    } else {
      this.logger.error({ err: error, path: request.path }, 'unhandled error');
      body = { type: type('internal'), title: 'Internal Server Error', status: 500 };
    }
    response.status(body.status as number).set({ ...headers, 'content-type': 'application/problem+json' }).send(JSON.stringify({ ...body, instance: request.originalUrl }));
  }
}

const isHealthReport = (body: unknown): boolean => typeof body === 'object' && body !== null && 'details' in body && (body as { status?: unknown }).status === 'error';
