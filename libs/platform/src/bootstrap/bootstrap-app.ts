import type { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Logger } from 'pino';
import type { BaseEnv } from '../config/base.env';
import { CONFIG_ERROR_EXIT_CODE, ConfigError, type EnvClass, loadConfig } from '../config/load-config';
import { createLogger, PinoLoggerService } from '../logging/pino-logger.service';

export interface AppDefinition<Env extends BaseEnv> {
  /** The app's name in logs: api, ingest … */
  name: string;
  env: EnvClass<Env>;
  /** The root module, given the validated config (the only place config comes from) and the app's logger. */
  module: (config: Env, logger: Logger) => DynamicModule | Type<unknown>;
  /** Extra wiring before listen: pipes, filters, Swagger … */
  configure?: (app: INestApplication, config: Env) => void | Promise<void>;
}

export interface RunningApp<Env> {
  app: INestApplication;
  config: Env;
  logger: Logger;
  url: string;
}

/**
 * Starts an app: config read and validated once, JSON logs, shutdown hooks (SIGTERM closes consumers,
 * producers and sockets), HTTP listening. Throws ConfigError before anything connects.
 */
export async function startApp<Env extends BaseEnv>(definition: AppDefinition<Env>, env: NodeJS.ProcessEnv = process.env): Promise<RunningApp<Env>> {
  const config = loadConfig(definition.env, env, definition.name);
  const logger = createLogger(definition.name, config.LOG_LEVEL);
  const app = await NestFactory.create(definition.module(config, logger), { logger: new PinoLoggerService(logger), abortOnError: false });
  app.enableShutdownHooks();
  await definition.configure?.(app, config);
  await app.listen(config.HTTP_PORT, config.HTTP_HOST);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.HTTP_PORT;
  const url = `http://${config.HTTP_HOST === '0.0.0.0' ? '127.0.0.1' : config.HTTP_HOST}:${port}`;
  logger.info({ url, event: 'app.listening' }, `${definition.name} listening on ${url}`);
  return { app, config, logger, url };
}

/** The body of every apps/<app>/src/main.ts: start, or log why not and exit with a meaningful status. */
export function runApp<Env extends BaseEnv>(definition: AppDefinition<Env>): void {
  startApp(definition).catch((error: unknown) => {
    const logger = createLogger(definition.name);
    if (error instanceof ConfigError) {
      logger.fatal({ event: 'config.invalid', problems: error.problems }, error.message);
      process.exit(CONFIG_ERROR_EXIT_CODE);
    }
    logger.fatal({ event: 'app.start_failed', err: error }, `${definition.name} could not start: ${(error as Error)?.message ?? error}`);
    process.exit(1);
  });
}
