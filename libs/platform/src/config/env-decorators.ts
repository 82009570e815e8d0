import { accessSync, constants } from 'node:fs';
import { applyDecorators } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsNumber, IsOptional, IsString, IsUrl, Matches, Max, Min, MinLength, ValidateBy } from 'class-validator';
import { isOrigin, originsOf } from '../http/http-security';

// The validator stacks every env class repeated, one decorator per kind of variable. A variable is
// optional (its default applies when unset) unless `required`. Decorators are listed in the order
// a hand-written stack applied them (bottom first), so a ConfigError names the problems as before.

export interface EnvFieldOptions {
  /** Unset is an error; otherwise an unset variable keeps the field's default. */
  required?: boolean;
}

export interface EnvRange extends EnvFieldOptions {
  min?: number;
  max?: number;
}

const optionalUnless = (options: EnvFieldOptions): PropertyDecorator[] => (options.required ? [] : [IsOptional()]);

function numeric(kind: PropertyDecorator, { min, max, ...options }: EnvRange): PropertyDecorator {
  return applyDecorators(
    ...(max === undefined ? [] : [Max(max)]),
    ...(min === undefined ? [] : [Min(min)]),
    kind,
    ...optionalUnless(options),
    Type(() => Number),
  );
}

/** A whole number within `min`…`max` (both inclusive, either may be left open). */
export const EnvInt = (range: EnvRange = {}): PropertyDecorator => numeric(IsInt(), range);

/** A number (fractions allowed) within `min`…`max`. */
export const EnvNumber = (range: EnvRange = {}): PropertyDecorator => numeric(IsNumber(), range);

/** A TCP/UDP port; 0 lets the system pick one. */
export const EnvPort = (options: EnvFieldOptions = {}): PropertyDecorator => EnvInt({ min: 0, max: 65_535, ...options });

/** An on/off switch written 1 or 0. */
export const EnvFlag = (): PropertyDecorator => EnvInt({ min: 0, max: 1 });

export interface EnvStringOptions extends EnvFieldOptions {
  /** Secrets and tokens: at least this many characters. */
  minLength?: number;
  pattern?: RegExp;
  /** What a value not matching `pattern` is told (`$property` is the variable's name). */
  message?: string;
}

/** A string, optionally at least `minLength` long and matching `pattern`. */
export function EnvString({ minLength, pattern, message, ...options }: EnvStringOptions = {}): PropertyDecorator {
  return applyDecorators(
    ...(pattern ? [Matches(pattern, message === undefined ? {} : { message })] : []),
    ...(minLength === undefined ? [] : [MinLength(minLength)]),
    IsString(),
    ...optionalUnless(options),
  );
}

/** One of a fixed set of words. */
export const EnvOneOf = (values: readonly string[], options: EnvFieldOptions = {}): PropertyDecorator => applyDecorators(IsIn(values), ...optionalUnless(options));

/** A URL a browser opens (host checked), with one of `protocols`; hosts without a TLD (localhost) allowed. */
export const EnvUrl = (protocols: string[], options: EnvFieldOptions = {}): PropertyDecorator =>
  applyDecorators(IsUrl({ protocols, require_tld: false }), ...optionalUnless(options));

/** Comma-separated browser origins, each exactly as a browser sends it (`https://ops.example.com`, `http://localhost:5173`). */
export const EnvOrigins = (options: EnvFieldOptions = {}): PropertyDecorator =>
  applyDecorators(
    ValidateBy({
      name: 'origins',
      validator: {
        validate: (value) => typeof value === 'string' && originsOf(value).length > 0 && originsOf(value).every(isOrigin),
        defaultMessage: () => 'must be comma-separated origins, each scheme://host[:port] as browsers send it (http or https, lower case, no path, no trailing slash)',
      },
    }),
    ...optionalUnless(options),
  );

/**
 * A service's connection string, `<scheme>://…` without spaces, for one of `schemes`. Only the
 * scheme is checked here: the client that connects knows the rest (user, password, query) best.
 */
export function EnvConnectionUrl(schemes: string[], { message, ...options }: EnvFieldOptions & { message?: string } = {}): PropertyDecorator {
  const escaped = schemes.map((s) => s.replace(/[.+-]/g, '\\$&'));
  const named = schemes.map((s) => `${s}://`);
  const list = named.length > 1 ? `${named.slice(0, -1).join(', ')} or ${named.at(-1)}` : named[0];
  return applyDecorators(
    Matches(new RegExp(`^(?:${escaped.join('|')}):\\/\\/\\S+$`), { message: message ?? `$property must be a ${list} URL` }),
    ...optionalUnless(options),
  );
}

const readable = (path: unknown): boolean => {
  try {
    accessSync(String(path), constants.R_OK);
    return true;
  } catch {
    return false;
  }
};

/** A path to a file this process can read (certificates, keys): checked at start, so a typo is a config error, not a failed handshake later. */
export const EnvFile = (options: EnvFieldOptions = {}): PropertyDecorator =>
  applyDecorators(
    ValidateBy({ name: 'readableFile', validator: { validate: readable, defaultMessage: (args) => `$property: cannot read ${String(args?.value)} (does the file exist, and may this user read it?)` } }),
    IsString(),
    ...optionalUnless(options),
  );
