import { Controller, type DynamicModule, Get, Global, Header, Module, Res } from '@nestjs/common';
import type { Response } from 'express';
import { PublicRoute } from '../http/public-route';
import { Metrics } from './metrics';

/** GET /metrics: Prometheus' scrape target. Open like /health (serve it on an internal network in production). */
@PublicRoute()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get()
  @Header('cache-control', 'no-store')
  async scrape(@Res() res: Response): Promise<void> {
    res.type(this.metrics.contentType).send(await this.metrics.text());
  }
}

/** Provides the app's `Metrics` to every module, and its /metrics route. */
@Global()
@Module({})
export class MetricsModule {
  static forMetrics(metrics: Metrics): DynamicModule {
    return { module: MetricsModule, controllers: [MetricsController], providers: [{ provide: Metrics, useValue: metrics }], exports: [Metrics] };
  }
}
