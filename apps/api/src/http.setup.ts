import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Logger } from 'pino';
import { ProblemFilter } from '#libs/platform';
import { apiProblems } from './common/api-problems';
import { validationPipe } from './common/validation';

/** Validation, the problem+json error shape and the OpenAPI document (/docs, /openapi.json). */
export function configureHttp(app: INestApplication, _config: unknown, logger: Logger): void {
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
