import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Logger } from 'pino';
import { pageSecurity, ProblemFilter } from '#libs/platform';
import type { ApiEnv } from './api.env';
import { apiProblems } from './common/api-problems';
import { validationPipe } from './common/validation';
import { dashboardCsp, SWAGGER_CSP } from './web/web-csp';
import { webConfigOf } from './web/web.module';

/**
 * Validation, the problem+json error shape, the OpenAPI document (/docs, /openapi.json), and the
 * Content-Security-Policy of the pages (the dashboard under /app/, Swagger UI under /docs) in place of
 * the JSON routes' `default-src 'none'`.
 */
export function configureHttp(app: INestApplication, config: ApiEnv, logger: Logger): void {
  app.use('/app', pageSecurity(config, dashboardCsp(webConfigOf(config))));
  app.use('/docs', pageSecurity(config, SWAGGER_CSP));
  app.useGlobalPipes(validationPipe());
  app.useGlobalFilters(new ProblemFilter(logger, apiProblems));
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Fieldline API')
      .setDescription('Dispatch and tracking: jobs, technicians, tenants. Errors are application/problem+json (RFC 9457).')
      .setVersion('1')
      .addBearerAuth()
      .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Api-Key' }, 'api-key')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json', raw: ['json'] });
}
