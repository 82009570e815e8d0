import { Body, Controller, Patch, Post, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Access } from '../auth/access.decorator';
import { ApiCaller, ApiProblems } from '../common/openapi';
import { IdParam } from '../common/routes';
import { CreateSiteDto, UpdateSiteDto } from './dto/places.dto';
import { type Call, PlacesRoutes, WRITE } from './places.routes';

@ApiTags('sites')
@ApiCaller({ apiKey: true })
@Controller('sites')
export class SitesController extends PlacesRoutes {
  protected readonly family = 'site';
  @Post() @Access(WRITE) @ApiProblems(404, 409, 422) create(@Req() c: Call, @Body() b: CreateSiteDto, @Res({ passthrough: true }) r: Response) { return this.doCreate(c, b, r.status(201)); }
  @Patch(':id') @IdParam('id') @Access(WRITE) @ApiProblems(404, 409, 412, 422) update(@Req() c: Call, @Body() b: UpdateSiteDto, @Res({ passthrough: true }) r: Response) { return this.doUpdate(c, b, r); }
}
