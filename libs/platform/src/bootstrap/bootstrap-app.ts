import type { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Logger } from 'pino';
import type { BaseEnv } from '../config/base.env';
import { CONFIG_ERROR_EXIT_CODE, ConfigError, type EnvClass, loadConfig } from '../config/load-config';
import { applyHttpSecurity } from '../http/http-security';
import { createLogger, PinoLoggerService } from '../logging/pino-logger.service';
import { httpMetrics } from '../metrics/http-metrics';
import { Metrics } from '../metrics/metrics';
import { MetricsModule } from '../metrics/metrics.module';
import { httpTracing } from '../tracing/http-tracing';
import { TlsFiles } from '../security/tls-files';
import { startTracing, stopTracing } from '../tracing/tracing';
import { ClockModule } from '../time/clock';

export interface AppDefinition<Env extends BaseEnv> {
  /** The app's name in logs: api, ingest … */
  name: string;
  env: EnvClass<Env>;
  /** The root module, given the validated config (the only place config comes from) and the app's logger. */
  module: (config: Env, logger: Logger) => DynamicModule | Type<unknown>;
  /** Extra wiring before listen: pipes, filters, Swagger … */
  configure?: (app: INestApplication, config: Env, logger: Logger) => void | Promise<void>;
}

export interface RunningApp<Env> {
  app: INestApplication;
  config: Env;
  logger: Logger;
  url: string;
}

/** Every app's modules can inject `Clock` (set by CLOCK_START in development and tests) and `Metrics` (GET /metrics). */
function withPlatform(root: DynamicModule | Type<unknown>, config: BaseEnv, metrics: Metrics): DynamicModule {
  const platform = [ClockModule.forEnv(config), MetricsModule.forMetrics(metrics)];
  return 'module' in root ? { ...root, imports: [...(root.imports ?? []), ...platform] } : { module: root, imports: platform };
}

/**
 * Starts an app: config read and validated once, JSON logs, the hardening headers and the CORS
 * allow-list on every response (http-security.ts; `configure` may give the app's pages their own
 * CSP), HTTP listening. Throws ConfigError before anything connects. `runApp` adds the signal handling.
 */
export async function startApp<Env extends BaseEnv>(definition: AppDefinition<Env>, env: NodeJS.ProcessEnv = process.env): Promise<RunningApp<Env>> {
  const config = loadConfig(definition.env, env, definition.name);
  const logger = createLogger(definition.name, config.LOG_LEVEL);
  const metrics = new Metrics(definition.name);
  startTracing(definition.name, config.OTEL_EXPORTER_OTLP_ENDPOINT);
  const tls = config.TLS_CERT_FILE && config.TLS_KEY_FILE ? new TlsFiles({ cert: config.TLS_CERT_FILE, key: config.TLS_KEY_FILE }, logger, config.TLS_RELOAD_INTERVAL_MS) : undefined;
  const app = await NestFactory.create(withPlatform(definition.module(config, logger), config, metrics), {
    logger: new PinoLoggerService(logger),
    abortOnError: false,
    ...(tls ? { httpsOptions: tls.options } : {}),
  });
  const express = app.getHttpAdapter().getInstance() as { set(name: string, value: unknown): void };
  // the client's address behind N proxies (req.ip): per-address guessing limits and rate limits count by it
  if (config.HTTP_TRUST_PROXY_HOPS > 0) express.set('trust proxy', config.HTTP_TRUST_PROXY_HOPS);
  // No ETag hashed from every response body (a SHA-1 of each answer, ~1 % of the API's CPU per command):
  // versioned resources send their own (`ETag: "<version>"`, proofs their SHA-256); nothing revalidates the rest.
  express.set('etag', false);
  app.use(httpMetrics(metrics));
  app.use(httpTracing());
  applyHttpSecurity(app, config);
  await definition.configure?.(app, config, logger);
  await app.listen(config.HTTP_PORT, config.HTTP_HOST);
  const server = app.getHttpServer();
  if (tls) server.once('close', tls.follow(server)); // renewed certificates apply to new connections
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.HTTP_PORT;
  const url = `${tls ? 'https' : 'http'}://${config.HTTP_HOST === '0.0.0.0' ? '127.0.0.1' : config.HTTP_HOST}:${port}`;
  logger.info({ url, event: 'app.listening', node: process.version }, `${definition.name} listening on ${url} (Node ${process.version})`);
  return { app, config, logger, url };
}

/** How long a graceful stop (consumers committing, producers flushing) may take before we give up. */
export const SHUTDOWN_TIMEOUT_MS = 20_000;

/**
 * The body of every apps/<app>/src/main.ts: start, or log why not and exit with a meaningful status.
 * SIGTERM / SIGINT close the app (Nest's shutdown hooks: consumers commit, producers flush, sockets
 * close) and exit 0; a stop that hangs exits 1 after SHUTDOWN_TIMEOUT_MS.
 */
export function runApp<Env extends BaseEnv>(definition: AppDefinition<Env>): void {
  startApp(definition)
    .then(({ app, logger }) => {
      let stopping = false;
      const stop = (signal: NodeJS.Signals) => {
        // once: a worker of runAppProcesses gets the terminal's SIGINT and its primary's SIGTERM
        if (stopping) return;
        stopping = true;
        logger.info({ event: 'app.stopping', signal }, `${definition.name} stopping (${signal})`);
        setTimeout(() => {
          // What still holds the process open is the lead for whoever debugs the hang.
          const pending = process.getActiveResourcesInfo();
          logger.error({ event: 'app.stop_timeout', pending }, `${definition.name} did not stop within ${SHUTDOWN_TIMEOUT_MS} ms`);
          process.exit(1);
        }, SHUTDOWN_TIMEOUT_MS).unref();
        app.close().then(stopTracing).then(
          () => {
            logger.info({ event: 'app.stopped' }, `${definition.name} stopped`);
            process.exit(0);
          },
          (error: unknown) => {
            logger.error({ event: 'app.stop_failed', err: error }, `${definition.name} failed to stop cleanly`);
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    })
    .catch((error: unknown) => {
    const logger = createLogger(definition.name);
    if (error instanceof ConfigError) {
      logger.fatal({ event: 'config.invalid', problems: error.problems }, error.message);
      process.exit(CONFIG_ERROR_EXIT_CODE);
    }
    logger.fatal({ event: 'app.start_failed', err: error }, `${definition.name} could not start: ${(error as Error)?.message ?? error}`);
    process.exit(1);
    });
}
