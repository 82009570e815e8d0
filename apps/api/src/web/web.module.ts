import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Controller, type DynamicModule, Get, Inject, Module } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '../common/openapi';
import { ServeStaticModule } from '@nestjs/serve-static';
import type { Logger } from 'pino';
import { Public } from '../auth/access.decorator';

const WEB_CONFIG = Symbol('WEB_CONFIG');

export interface WebConfig {
  /** Where pages open their realtime socket; null: the page's host on port 3003. */
  realtimeUrl: string | null;
  /** Where pages open their call signaling socket; null: the page's host on port 3004, path /media. */
  mediaUrl: string | null;
  /** A MapLibre style for the base map; null: the pages' local one without tiles. */
  mapStyleUrl: string | null;
}

/** The variables the pages' config comes from (ApiEnv's). */
export interface WebEnv {
  WEB_DIST_DIR: string;
  REALTIME_PUBLIC_URL?: string;
  MEDIA_PUBLIC_URL?: string;
  MAP_STYLE_URL?: string;
  MAP_EXTRA_ORIGINS?: string;
}

/** What /config/web tells the pages, and what their Content-Security-Policy allows (web-csp.ts). */
export const webConfigOf = (env: WebEnv): WebConfig => ({ realtimeUrl: env.REALTIME_PUBLIC_URL ?? null, mediaUrl: env.MEDIA_PUBLIC_URL ?? null, mapStyleUrl: env.MAP_STYLE_URL ?? null });

/** What the pages need to know about this deployment; public, nothing secret in it. */
@ApiTags('web')
@Controller('config')
@Public()
@ApiProblems(429)
export class WebConfigController {
  constructor(@Inject(WEB_CONFIG) private readonly config: WebConfig) {}

  @Get('web')
  web(): WebConfig {
    return this.config;
  }
}

/**
 * The dashboard and technician view (apps/web, built by `npm run build:web`) under /app/, with the
 * deployment's config at /config/web. Without a build the API runs and says how to get the pages.
 */
@Module({})
export class WebModule {
  static forEnv(env: WebEnv, logger: Logger): DynamicModule {
    const root = resolve(env.WEB_DIST_DIR);
    const built = existsSync(resolve(root, 'index.html'));
    if (!built) logger.warn({ root }, 'the web pages are not built: run `npm run build:web` to serve them under /app/');
    return {
      module: WebModule,
      imports: built ? [ServeStaticModule.forRoot({ rootPath: root, serveRoot: '/app', renderPath: '/app/{*path}' })] : [],
      controllers: [WebConfigController],
      providers: [{ provide: WEB_CONFIG, useValue: webConfigOf(env) }],
    };
  }
}
