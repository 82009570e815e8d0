import { type DynamicModule, Module, type Type } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthCheckLogger } from './health-check.logger';
import { HealthController, READINESS_CHECKS } from './health.controller';
import type { ReadinessCheck } from './readiness-check';

/** /health/live and /health/ready; `checks` are the adapters' readiness checks, provided by their modules. */
@Module({})
export class HealthModule {
  static forRoot(checks: Type<ReadinessCheck>[]): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ errorLogStyle: 'json', logger: HealthCheckLogger })],
      controllers: [HealthController],
      // The checks are looked up app-wide (not injected): they live in the adapter modules or in the app.
      providers: [{ provide: READINESS_CHECKS, useValue: checks }],
    };
  }
}
