import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { TechnicianCommand } from '#libs/domain';
import { Access, CurrentPrincipal } from '../auth/access.decorator';
import type { Principal } from '../auth/principal';
import { etag, parseIfMatch } from '../common/request-context';
import { ApiCaller, ApiProblems } from '../common/openapi';
import { CommandRoute, ResourceRoute } from '../common/routes';
import { AvailabilityDto, ChangeSkillsDto, DeactivateDto, ListTechniciansQuery, RegisterTechnicianDto } from './dto/technicians.dto';
import { type TechnicianData, type TechnicianView, TechniciansService } from './technicians.service';

const READ = { roles: ['admin', 'dispatcher', 'technician', 'integrator'], scope: 'technicians:read' } as const;
const MANAGE = { roles: ['admin', 'dispatcher', 'integrator'], scope: 'technicians:write' } as const;
/** Shift and availability: the technician themself too. */
const SELF = { roles: ['admin', 'dispatcher', 'technician', 'integrator'], scope: 'technicians:write' } as const;

type Call = Request<{ technicianId: string }> & { principal: Principal };

@ApiTags('technicians')
@ApiCaller({ apiKey: true })
@Controller('technicians')
export class TechniciansController {
  constructor(private readonly technicians: TechniciansService) {}

  @Post()
  @Access(MANAGE)
  @ApiProblems(409, 422)
  async register(@Req() call: Call, @Body() body: RegisterTechnicianDto, @Res({ passthrough: true }) res: Response) {
    const view = await this.technicians.register(this.info(call), { ...body, homeBase: body.homeBase && { ...body.homeBase } });
    res.status(201).setHeader('ETag', etag(view.version));
    return view;
  }

  @Get()
  @Access(READ)
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListTechniciansQuery) {
    return this.technicians.list(principal, query);
  }

  @ResourceRoute('technicianId')
  @Access(READ)
  async get(@Req() call: Call, @Res({ passthrough: true }) res: Response) {
    return this.respond(res, await this.technicians.get(call.principal, call.params.technicianId));
  }

  @CommandRoute('technicianId', 'skills') @Access(MANAGE) skills(@Req() r: Call, @Body() b: ChangeSkillsDto) { return this.run(r, 'ChangeTechnicianSkills', { skills: b.skills }); }
  @CommandRoute('technicianId', 'shift/start') @Access(SELF) startShift(@Req() r: Call) { return this.run(r, 'StartShift', {}); }
  @CommandRoute('technicianId', 'shift/end') @Access(SELF) endShift(@Req() r: Call) { return this.run(r, 'EndShift', {}); }
  @CommandRoute('technicianId', 'availability') @Access(SELF) availability(@Req() r: Call, @Body() b: AvailabilityDto) { return this.run(r, 'SetAvailability', { available: b.available, reason: b.reason }); }
  @CommandRoute('technicianId', 'deactivate') @Access(MANAGE) deactivate(@Req() r: Call, @Body() b: DeactivateDto) { return this.run(r, 'DeactivateTechnician', { reason: b.reason }); }

  private async run<T extends TechnicianCommand['type']>(call: Call, type: T, data: TechnicianData<T>) {
    return this.respond(call.res!, await this.technicians.execute(this.info(call), call.params.technicianId, type, data as TechnicianData<typeof type>));
  }

  private info(call: Call) {
    return { principal: call.principal, correlationId: call.header('x-correlation-id'), ifMatch: parseIfMatch(call.header('if-match')) };
  }

  private respond(res: Response, view: TechnicianView) {
    res.setHeader('ETag', etag(view.version));
    return view;
  }
}
