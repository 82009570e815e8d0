import 'reflect-metadata';
import { configKeys, ConfigError, loadConfig } from './load-config';
import { EnvConnectionUrl, EnvFlag, EnvInt, EnvNumber, EnvOneOf, EnvPort, EnvString, EnvUrl } from './env-decorators';

class Env {
  @EnvPort({ required: true })
  PORT!: number;

  @EnvInt({ min: 10, max: 20 })
  COUNT: number = 15;

  @EnvInt({ min: 1 })
  AT_LEAST_ONE: number = 1;

  @EnvNumber({ min: 0.5 })
  SPEED: number = 4;

  @EnvFlag()
  SWITCH: number = 1;

  @EnvString()
  NAME: string = 'fieldline';

  @EnvString({ minLength: 8, required: true })
  SECRET!: string;

  @EnvString({ pattern: /^[a-z-]{1,10}$/, message: '$property must be lowercase letters and dashes' })
  GROUP?: string;

  @EnvOneOf(['all', 'relay'])
  POLICY: 'all' | 'relay' = 'all';

  @EnvUrl(['ws', 'wss'])
  SOCKET_URL?: string;

  @EnvConnectionUrl(['redis', 'rediss'], { required: true })
  STORE_URL!: string;
}

const required = { PORT: '3000', SECRET: 's'.repeat(8), STORE_URL: 'redis://127.0.0.1:6379' };

/** The message an operator reads for one bad variable. */
function problemWith(variable: string, value: string | undefined): string {
  try {
    loadConfig(Env, { ...required, [variable]: value }, 'test');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const problem = (error as ConfigError).problems.find((p) => p.variable === variable);
    if (problem) return problem.problem;
    throw new Error(`${variable} was not named: ${(error as Error).message}`);
  }
  throw new Error(`${variable}=${value} was accepted`);
}

describe('env decorators', () => {
  it('declare their variables, so the env table and loadConfig see them', () => {
    expect(configKeys(Env)).toEqual(['AT_LEAST_ONE', 'COUNT', 'GROUP', 'NAME', 'POLICY', 'PORT', 'SECRET', 'SOCKET_URL', 'SPEED', 'STORE_URL', 'SWITCH']);
  });

  it('keep the defaults of unset variables and convert numbers', () => {
    const config = loadConfig(Env, required);
    expect(config).toMatchObject({ PORT: 3000, COUNT: 15, AT_LEAST_ONE: 1, SPEED: 4, SWITCH: 1, NAME: 'fieldline', POLICY: 'all', STORE_URL: 'redis://127.0.0.1:6379' });
    expect(config.GROUP).toBeUndefined();
    expect(config.SOCKET_URL).toBeUndefined();
  });

  it('take valid values, bounds included', () => {
    const config = loadConfig(Env, {
      ...required,
      PORT: '0',
      COUNT: '20',
      AT_LEAST_ONE: '1000000',
      SPEED: '0.5',
      SWITCH: '0',
      GROUP: 'night-crew',
      POLICY: 'relay',
      SOCKET_URL: 'wss://live.example.com/socket',
      STORE_URL: 'rediss://user:pw@redis-1:6380/2',
    });
    expect(config).toMatchObject({ PORT: 0, COUNT: 20, AT_LEAST_ONE: 1_000_000, SPEED: 0.5, SWITCH: 0, GROUP: 'night-crew', POLICY: 'relay' });
    expect(config.SOCKET_URL).toBe('wss://live.example.com/socket');
    expect(loadConfig(Env, { ...required, SOCKET_URL: 'ws://localhost:3003' }).SOCKET_URL).toBe('ws://localhost:3003');
  });

  it('tell the operator what a number must be', () => {
    expect(problemWith('PORT', '65536')).toBe('PORT must not be greater than 65535 (got 65536)');
    expect(problemWith('PORT', undefined)).toBe('PORT must not be greater than 65535, PORT must not be less than 0, PORT must be an integer number (not set)');
    expect(problemWith('COUNT', '9')).toBe('COUNT must not be less than 10 (got 9)');
    expect(problemWith('COUNT', '12.5')).toBe('COUNT must be an integer number (got 12.5)');
    // Implicit conversion made it NaN, which JSON shows as null.
    expect(problemWith('COUNT', 'many')).toBe('COUNT must not be greater than 20, COUNT must not be less than 10, COUNT must be an integer number (got null)');
    expect(problemWith('AT_LEAST_ONE', '0')).toBe('AT_LEAST_ONE must not be less than 1 (got 0)');
    expect(problemWith('SPEED', '0.4')).toBe('SPEED must not be less than 0.5 (got 0.4)');
    expect(problemWith('SWITCH', '2')).toBe('SWITCH must not be greater than 1 (got 2)');
  });

  it('tell the operator what a string must be', () => {
    expect(problemWith('SECRET', 'short')).toBe('SECRET must be longer than or equal to 8 characters (got "short")');
    expect(problemWith('SECRET', undefined)).toBe('SECRET must be longer than or equal to 8 characters, SECRET must be a string (not set)');
    expect(problemWith('GROUP', 'Night Shift')).toBe('GROUP must be lowercase letters and dashes (got "Night Shift")');
    expect(problemWith('POLICY', 'turn')).toBe('POLICY must be one of the following values: all, relay (got "turn")');
  });

  it('tell the operator what a URL must be', () => {
    expect(problemWith('SOCKET_URL', 'http://live.example.com')).toBe('SOCKET_URL must be a URL address (got "http://live.example.com")');
    expect(problemWith('STORE_URL', 'http://redis:6379')).toBe('STORE_URL must be a redis:// or rediss:// URL (got "http://redis:6379")');
    expect(problemWith('STORE_URL', 'redis:// spaced')).toBe('STORE_URL must be a redis:// or rediss:// URL (got "redis:// spaced")');
    expect(problemWith('STORE_URL', undefined)).toBe('STORE_URL must be a redis:// or rediss:// URL (not set)');
  });

  it('name every bad variable in one error', () => {
    expect(() => loadConfig(Env, { ...required, COUNT: '99', POLICY: 'none' }, 'test')).toThrow(/^test: invalid configuration — COUNT: .*; POLICY: /);
  });
});
