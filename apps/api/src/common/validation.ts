import { type ArgumentMetadata, type ValidationError, ValidationPipe } from '@nestjs/common';
import { problem } from '#libs/platform';

/**
 * In this API `null` means "not given": no field takes null as a value. class-validator's IsOptional
 * lets null through to the handler, so nulls are removed before validation rather than reaching a
 * default that only covers undefined.
 */
class FieldlineValidationPipe extends ValidationPipe {
  override transform(value: unknown, metadata: ArgumentMetadata) {
    if (metadata.type === 'body' || metadata.type === 'query' || metadata.type === 'param') {
      const at = nulCharacterAt(value);
      if (at !== undefined) {
        throw problem(400, 'validation', 'Bad Request', 'the request has invalid fields', {
          errors: [{ field: at || metadata.type, messages: ['must not contain NUL characters (\\u0000)'] }],
        });
      }
    }
    return super.transform(metadata.type === 'body' || metadata.type === 'query' ? withoutNulls(value) : value, metadata);
  }
}

/**
 * PostgreSQL text and jsonb cannot hold U+0000: a string carrying it would fail at the database as
 * a 500. Refused up front, with the field's path.
 */
function nulCharacterAt(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, v] of Object.entries(value)) {
    const found = nulCharacterAt(v, path ? `${path}.${key}` : key);
    if (found !== undefined) return found;
  }
  return undefined;
}

function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, withoutNulls(v)]));
}

/** Whitelisted, transformed DTOs; unknown fields are refused; errors come out per field. */
export const validationPipe = () =>
  new FieldlineValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    exceptionFactory: (errors) =>
      problem(400, 'validation', 'Bad Request', 'the request has invalid fields', { errors: flatten(errors) }),
  });

function flatten(errors: ValidationError[], parent = ''): { field: string; messages: string[] }[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, messages: Object.values(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}
