import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, type ValidationError, validateSync } from 'class-validator';

export type EnvClass<T extends object> = new () => T;

/** Exit status for a configuration error (sysexits EX_CONFIG): supervisors should not restart-loop on it. */
export const CONFIG_ERROR_EXIT_CODE = 78;

/** A missing or invalid environment variable; the message names every one of them. */
export class ConfigError extends Error {
  constructor(
    readonly app: string,
    readonly problems: { variable: string; problem: string }[],
  ) {
    super(
      `${app}: invalid configuration — ${problems.map((p) => `${p.variable}: ${p.problem}`).join('; ')}. ` +
        'Set these variables (see the environment table in docs/configuration.md) or run `npm run stack:up` and use .data/stack.env.',
    );
    this.name = 'ConfigError';
  }
}

/**
 * Reads the environment once into a typed, validated object. Nothing else in an app reads process.env:
 * the result is handed to the app's module. Unknown variables are ignored (the environment is shared
 * with everything else on the host); empty strings count as missing.
 */
export function loadConfig<T extends object>(envClass: EnvClass<T>, env: NodeJS.ProcessEnv = process.env, app = envClass.name): T {
  const keys = configKeys(envClass);
  const present = Object.fromEntries(keys.filter((k) => env[k] !== undefined && env[k] !== '').map((k) => [k, env[k]]));
  const config = plainToInstance(envClass, present, { enableImplicitConversion: true, exposeDefaultValues: true });
  const errors = validateSync(config, { whitelist: true, forbidUnknownValues: true, validationError: { target: false } });
  if (errors.length > 0) throw new ConfigError(app, errors.flatMap(describe));
  return Object.freeze(config);
}

/** Every variable an env class declares (from its validation decorators, inherited ones included). */
export function configKeys(envClass: EnvClass<object>): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(envClass, '', true, false);
  return [...new Set(metadata.map((m) => m.propertyName))].sort();
}

function describe(error: ValidationError): { variable: string; problem: string }[] {
  const constraints = Object.values(error.constraints ?? {});
  const given = error.value === undefined ? 'not set' : `got ${JSON.stringify(error.value)}`;
  return [{ variable: error.property, problem: `${constraints.join(', ')} (${given})` }];
}
