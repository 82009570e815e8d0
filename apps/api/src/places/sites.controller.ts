import { Body, Controller, Patch, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiParam, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Access } from '../auth/access.decorator';
import { CreateSiteDto, UpdateSiteDto } from './dto/places.dto';
import { type Call, PlacesRoutes, WRITE } from './places.routes';

@ApiTags('sites')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('sites')
export class SitesController extends PlacesRoutes {
  protected readonly family = 'site';
  @Post() @Access(WRITE) create(@Req() c: Call, @Body() b: CreateSiteDto, @Res({ passthrough: true }) r: Response) { return this.doCreate(c, b, r.status(201)); }
  @Patch(':id') @ApiParam({ name: 'id', type: String }) @Access(WRITE) update(@Req() c: Call, @Body() b: UpdateSiteDto, @Res({ passthrough: true }) r: Response) { return this.doUpdate(c, b, r); }
}
