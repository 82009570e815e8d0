import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** What every app reads. Each adapter lib adds its own variables with a mixin (withKafkaEnv …). */
export class BaseEnv {
  @IsOptional()
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @IsOptional()
  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  /** The HTTP port for the app's API and /health endpoints. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  HTTP_PORT!: number;

  @IsOptional()
  @IsString()
  HTTP_HOST: string = '0.0.0.0';
}

// biome-ignore lint: the mixin pattern needs a constructor type with any args
export type Constructor<T = object> = new (...args: any[]) => T;
