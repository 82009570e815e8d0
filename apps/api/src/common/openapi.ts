import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse, ApiSecurity } from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE } from '#libs/platform';

// What a route answers besides its success, declared once per status so every route of the document
// names every response it gives, each as application/problem+json with the one `Problem` schema.

/** The `Problem` component (libs/platform `Problem`, RFC 9457): registered by `openApiDocument`. */
export const PROBLEM_SCHEMA = {
  type: 'object',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string', format: 'uri', example: 'https://fieldline.dev/problems/job-not-found' },
    title: { type: 'string', example: 'Not Found' },
    status: { type: 'integer', minimum: 400, maximum: 599, example: 404 },
    detail: { type: 'string', example: 'no job job_0193…' },
    code: { type: 'string', description: 'Machine-readable reason, e.g. DOUBLE_BOOKED, TOO_MANY_ATTEMPTS.', example: 'JOB_NOT_FOUND' },
    errors: {
      type: 'array',
      description: 'Validation problems (400): each field with its messages.',
      items: { type: 'object', required: ['field', 'messages'], properties: { field: { type: 'string' }, messages: { type: 'array', items: { type: 'string' } } } },
    },
    instance: { type: 'string', description: 'The request path.', example: '/jobs/job_0193…' },
  },
} as const;

const PROBLEM_REF = { $ref: '#/components/schemas/Problem' };

const RETRY_AFTER = { 'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer', minimum: 0 } } };

export const PROBLEM_STATUSES = {
  400: 'Invalid request: per-field `errors` (validation), a bad cursor, If-Match or Idempotency-Key, or an impossible combination.',
  401: 'No credentials, or invalid or expired ones (`WWW-Authenticate: Bearer`).',
  403: 'The caller’s role or API key scope may not do this.',
  404: 'Not found in the caller’s tenant (another tenant’s ids answer 404 too).',
  409: 'Conflict: illegal in the current state, already exists, or lost a race (retry; `Retry-After` when it is worth it).',
  412: 'If-Match names a version that is no longer current (`ETag` carries the current one).',
  413: 'The request body is too large.',
  415: 'The request body is not of a type this route takes (recognised by its content, not its declared type).',
  422: 'Well formed but refused: e.g. MISSING_SKILLS, TECHNICIAN_UNAVAILABLE, an Idempotency-Key reused with another body.',
  429: 'Rate limited, or locked out after repeated failed credentials (TOO_MANY_ATTEMPTS).',
  503: 'A dependency (the database) is unavailable; retry.',
} as const;

export type ProblemStatus = keyof typeof PROBLEM_STATUSES;

/** The problem responses a route gives, e.g. `@ApiProblems(404, 409)`. */
export const ApiProblems = (...statuses: ProblemStatus[]) =>
  applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: PROBLEM_STATUSES[status],
        content: { [PROBLEM_CONTENT_TYPE]: { schema: PROBLEM_REF } },
        ...(status === 429 || status === 503 ? { headers: RETRY_AFTER } : {}),
      }),
    ),
  );

/** What every route answers whoever calls it: invalid input, rate limited, database away. */
const COMMON = [400, 429, 503] as const;

/**
 * A controller (or route) behind the auth guard: a bearer token (and an API key when `apiKey`), and the
 * problems every such route can give.
 */
export const ApiCaller = ({ apiKey }: { apiKey: boolean }) =>
  applyDecorators(ApiBearerAuth(), ...(apiKey ? [ApiSecurity('api-key')] : []), ApiProblems(...COMMON, 401, 403));

/** A route open without credentials (login, refresh, the operator bootstrap). */
export const ApiOpen = () => ApiProblems(...COMMON);
