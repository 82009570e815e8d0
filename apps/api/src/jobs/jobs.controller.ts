import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { newEventId as uuidv7 } from '#libs/events';
import type { JobCommand } from '#libs/domain';
import { Access, CurrentPrincipal } from '../auth/access.decorator';
import type { Principal } from '../auth/principal';
import { etag, parseIfMatch } from '../common/request-context';
import { ApiCaller, ApiProblems } from '../common/openapi';
import { CommandRoute, ResourceRoute } from '../common/routes';
import {
  AssignDto,
  BulkAssignDto,
  ChatPageQuery,
  CompleteDto,
  CreateJobDto,
  ListJobsQuery,
  NoteDto,
  OptionalReasonDto,
  PriorityDto,
  ReasonDto,
  ReassignDto,
  RescheduleDto,
} from './dto/jobs.dto';
import { JobDetailService } from './job-detail.service';
import { JobDetailView } from './job-detail.view';
import { JobView } from './jobs.view';
import { type DataOf, JobsService } from './jobs.service';

const READ = { roles: ['admin', 'dispatcher', 'technician', 'integrator'], scope: 'jobs:read' } as const;
const DISPATCH = { roles: ['admin', 'dispatcher', 'integrator'], scope: 'jobs:write' } as const;
/** Travel, arrival, completion and notes: the assigned technician too (the domain checks it is theirs). */
const FIELD = { roles: ['admin', 'dispatcher', 'technician', 'integrator'], scope: 'jobs:write' } as const;

/** A command route's request: the guard has put the principal on it. */
type Call = Request<{ jobId: string }> & { principal: Principal };

@ApiTags('jobs')
@ApiCaller({ apiKey: true })
@ApiHeader({ name: 'x-correlation-id', required: false, description: 'Carried into every event this request causes.' })
@Controller('jobs')
export class JobsController {
  constructor(
    private readonly jobs: JobsService,
    private readonly details: JobDetailService,
  ) {}

  @Post()
  @Access(DISPATCH)
  @ApiHeader({ name: 'idempotency-key', required: false, schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,200}$' } })
  @ApiCreatedResponse({ type: JobView })
  @ApiProblems(404, 409, 422)
  async create(@CurrentPrincipal() principal: Principal, @Body() body: CreateJobDto, @Headers('x-correlation-id') correlationId: string | undefined, @Res({ passthrough: true }) res: Response) {
    return this.respond(res, await this.jobs.create({ principal, correlationId }, body));
  }

  /** Many assignments in one call; the answer has a result per item (200 with the job, or the problem). */
  @Post('bulk-assign')
  @HttpCode(207)
  @Access(DISPATCH)
  @ApiProblems(409, 422)
  async bulkAssign(@CurrentPrincipal() principal: Principal, @Body() body: BulkAssignDto, @Headers('x-correlation-id') correlationId: string | undefined) {
    const results = await this.jobs.bulkAssign({ principal, correlationId }, body.assignments);
    return { succeeded: results.filter((r) => r.status === 200).length, failed: results.filter((r) => r.status !== 200).length, results };
  }

  @Get()
  @Access(READ)
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListJobsQuery) {
    return this.jobs.list(principal, query);
  }

  @ResourceRoute('jobId')
  @Access(READ)
  @ApiOkResponse({ type: JobView })
  async get(@CurrentPrincipal() principal: Principal, @Param('jobId') jobId: string, @Res({ passthrough: true }) res: Response) {
    return this.respond(res, await this.jobs.get(principal, jobId));
  }

  /** The job with its site (address, location), customer (name, phone), notes and completion summary. */
  @ResourceRoute('jobId', 'detail')
  @Access(READ)
  @ApiOkResponse({ type: JobDetailView })
  detail(@CurrentPrincipal() principal: Principal, @Param('jobId') jobId: string) {
    return this.details.detail(principal, jobId);
  }

  /** The audit trail: every event of the job, in order, with who did it and when. */
  @ResourceRoute('jobId', 'events')
  @Access(READ)
  history(@CurrentPrincipal() principal: Principal, @Param('jobId') jobId: string) {
    return this.jobs.history(principal, jobId);
  }

  /** The job's chat thread, oldest first (messages are posted over the realtime socket). */
  @ResourceRoute('jobId', 'chat')
  @Access(READ)
  chat(@CurrentPrincipal() principal: Principal, @Param('jobId') jobId: string, @Query() query: ChatPageQuery) {
    return this.jobs.chat(principal, jobId, query.limit ?? 100, query.cursor);
  }

  @CommandRoute('jobId', 'assign') @Access(DISPATCH) assign(@Req() r: Call, @Body() b: AssignDto) { return this.run(r, 'AssignJob', { technicianId: b.technicianId }); }
  @CommandRoute('jobId', 'reassign') @Access(DISPATCH) reassign(@Req() r: Call, @Body() b: ReassignDto) { return this.run(r, 'ReassignJob', { technicianId: b.technicianId, reason: b.reason }); }
  @CommandRoute('jobId', 'unassign') @Access(DISPATCH) unassign(@Req() r: Call, @Body() b: OptionalReasonDto) { return this.run(r, 'UnassignJob', { reason: b.reason }); }
  @CommandRoute('jobId', 'travel') @Access(FIELD) travel(@Req() r: Call) { return this.run(r, 'StartTravel', {}); }
  @CommandRoute('jobId', 'arrive') @Access(FIELD) arrive(@Req() r: Call) { return this.run(r, 'ArriveOnSite', {}); }
  @CommandRoute('jobId', 'complete') @Access(FIELD) complete(@Req() r: Call, @Body() b: CompleteDto) { return this.run(r, 'CompleteJob', { summary: b.summary }); }
  @CommandRoute('jobId', 'hold') @Access(DISPATCH) hold(@Req() r: Call, @Body() b: ReasonDto) { return this.run(r, 'PutJobOnHold', { reason: b.reason }); }
  @CommandRoute('jobId', 'resume') @Access(DISPATCH) resume(@Req() r: Call) { return this.run(r, 'ResumeJob', {}); }
  @CommandRoute('jobId', 'cancel') @Access(DISPATCH) cancel(@Req() r: Call, @Body() b: ReasonDto) { return this.run(r, 'CancelJob', { reason: b.reason }); }
  @CommandRoute('jobId', 'reschedule') @Access(DISPATCH) reschedule(@Req() r: Call, @Body() b: RescheduleDto) { return this.run(r, 'RescheduleJob', { window: { ...b.window } }); }
  @CommandRoute('jobId', 'priority') @Access(DISPATCH) priority(@Req() r: Call, @Body() b: PriorityDto) { return this.run(r, 'ChangeJobPriority', { priority: b.priority }); }
  @CommandRoute('jobId', 'notes') @Access(FIELD) note(@Req() r: Call, @Body() b: NoteDto) { return this.run(r, 'AddJobNote', { noteId: `note_${uuidv7()}`, text: b.text }); }

  private async run<T extends JobCommand['type']>(call: Call, type: T, data: DataOf<T>) {
    const view = await this.jobs.execute(
      { principal: call.principal, correlationId: call.header('x-correlation-id'), ifMatch: parseIfMatch(call.header('if-match')) },
      call.params.jobId,
      type,
      data as DataOf<typeof type>,
    );
    return this.respond(call.res!, view);
  }

  private respond(res: Response, view: JobView): JobView {
    res.setHeader('ETag', etag(view.version));
    return view;
  }
}
