import type { INestApplication } from '@nestjs/common';
import { SwaggerModule } from '@nestjs/swagger';
import type { Logger } from 'pino';
import { originsOf, pageSecurity, ProblemFilter } from '#libs/platform';
import type { ApiEnv } from './api.env';
import { apiProblems } from './common/api-problems';
import { methodNotAllowed, openApiDocument } from './common/openapi-document';
import { validationPipe } from './common/validation';
import { dashboardCsp, SWAGGER_CSP } from './web/web-csp';
import { webConfigOf } from './web/web.module';

/**
 * Validation, the problem+json error shape, the OpenAPI document (/docs, /openapi.json), and the
 * Content-Security-Policy of the pages (the dashboard under /app/, Swagger UI under /docs) in place of
 * the JSON routes' `default-src 'none'`; methods a documented path lacks answer 405 with `Allow`.
 */
export function configureHttp(app: INestApplication, config: ApiEnv, logger: Logger): void {
  app.use('/app', pageSecurity(config, dashboardCsp(webConfigOf(config), originsOf(config.MAP_EXTRA_ORIGINS))));
  app.use('/docs', pageSecurity(config, SWAGGER_CSP));
  app.useGlobalPipes(validationPipe());
  app.useGlobalFilters(new ProblemFilter(logger, apiProblems));
  const document = openApiDocument(app);
  // before the routes: a known path with a method it lacks answers 405, not the router's 404
  app.use(methodNotAllowed(document));
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json', raw: ['json'] });
}
