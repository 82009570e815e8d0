// The API's HTTP layer without its work, for `npm run bench:api`: what a command costs before it touches
// anything. The same platform (metrics, tracing, security headers), the same configureHttp (validation
// pipe, problem filter, OpenAPI document and its 405 check), and a POST /jobs that validates the API's own
// CreateJobDto and answers a JobView — no authentication, rate limit, decision, event or database.
// Built with the project (dist/tools/bench/framework-floor.app.js) and started by the bench.
import 'reflect-metadata';
import { Body, Controller, Module, Post } from '@nestjs/common';
import { HealthModule, runApp } from '#libs/platform';
import { ApiEnv } from '../../apps/api/src/api.env';
import { configureHttp } from '../../apps/api/src/http.setup';
import { CreateJobDto } from '../../apps/api/src/jobs/dto/jobs.dto';
import { toJobView } from '../../apps/api/src/jobs/jobs.view';

@Controller('jobs')
class FloorJobsController {
  private next = 0;

  @Post()
  create(@Body() body: CreateJobDto) {
    const now = new Date();
    return toJobView({
      tenant_id: 'floor',
      job_id: `job_floor_${this.next++}`,
      version: 1,
      status: 'unassigned',
      on_hold_from: null,
      title: body.title,
      description: body.description ?? null,
      customer_id: body.customerId ?? null,
      site_id: body.siteId ?? null,
      lat: body.location?.lat ?? null,
      lon: body.location?.lon ?? null,
      priority: body.priority ?? 'normal',
      required_skills: body.requiredSkills ?? [],
      window_start: body.window ? new Date(body.window.start) : null,
      window_end: body.window ? new Date(body.window.end) : null,
      technician_id: null,
      created_at: now,
      updated_at: now,
    });
  }
}

@Module({ imports: [HealthModule.forRoot([])], controllers: [FloorJobsController] })
class FloorModule {}

runApp({ name: 'api-floor', env: ApiEnv, module: () => FloorModule, configure: configureHttp });
