import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsString, Matches, MaxLength, MinLength } from 'class-validator';

/** A list of skill tags: up to 50, each 1–50 characters (normalised by the domain: trimmed, lower case). */
export const IsSkillList = () =>
  applyDecorators(ArrayMaxSize(50), IsString({ each: true }), MinLength(1, { each: true }), MaxLength(50, { each: true }));

/**
 * Free text: at most `max` characters, not blank — the domain trims text (the event catalogue's `text()`),
 * so whitespace alone is refused here, where the OpenAPI document can say so (pattern `\S`).
 */
export const IsText = (max: number) => applyDecorators(IsString(), MinLength(1), Matches(/^[^\u0000]*\S[^\u0000]*$/, { message: '$property must not be blank or contain NUL characters' }), MaxLength(max));

/** A display name: 1–200 characters, not blank. */
export const IsName = () => IsText(200);

/**
 * A number from a query string: '' (`?lat=`) is no number (class-transformer's Number('') would be 0).
 * Left to IsNumber/IsInt to refuse what is not.
 */
export const ToNumber = () => Transform(({ value }) => (value === '' || value === null || value === undefined ? value === undefined ? undefined : Number.NaN : Number(value)));
