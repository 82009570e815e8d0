import { applyDecorators, Get, HttpCode, Post } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { ID_PATTERN } from '../tenants/dto/tenants.dto';
import { ApiProblems } from './openapi';

// Routes that read their id from the request (the command one-liners) still declare the path
// parameter, so /openapi.json describes every path completely.

/** A path parameter holding an id (ids of every resource share one shape; any other answers 404). */
export const IdParam = (name: string) => ApiParam({ name, schema: { type: 'string', pattern: ID_PATTERN.source } });

/** POST /:param/path → 200, e.g. CommandRoute('jobId', 'assign'): not found, illegal now, stale If-Match, refused. */
export const CommandRoute = (param: string, path: string) =>
  applyDecorators(Post(`:${param}/${path}`), HttpCode(200), IdParam(param), ApiProblems(404, 409, 412, 422));

/** GET /:param[/path]. */
export const ResourceRoute = (param: string, path?: string) =>
  applyDecorators(Get(path ? `:${param}/${path}` : `:${param}`), IdParam(param), ApiProblems(404));
