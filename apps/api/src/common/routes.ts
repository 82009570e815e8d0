import { applyDecorators, Get, HttpCode, Post } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';

// Routes that read their id from the request (the command one-liners) still declare the path
// parameter, so /openapi.json describes every path completely.

/** POST /:param/path → 200, e.g. CommandRoute('jobId', 'assign'). */
export const CommandRoute = (param: string, path: string) =>
  applyDecorators(Post(`:${param}/${path}`), HttpCode(200), ApiParam({ name: param, type: String }));

/** GET /:param[/path]. */
export const ResourceRoute = (param: string, path?: string) =>
  applyDecorators(Get(path ? `:${param}/${path}` : `:${param}`), ApiParam({ name: param, type: String }));
