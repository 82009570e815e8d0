import { type ValidationError, ValidationPipe } from '@nestjs/common';
import { problem } from './problem';

/** Whitelisted, transformed DTOs; unknown fields are refused; errors come out per field. */
export const validationPipe = () =>
  new ValidationPipe({
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
