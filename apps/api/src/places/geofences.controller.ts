import { Body, Controller, Patch, Post, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Access } from '../auth/access.decorator';
import { ApiCaller, ApiProblems } from '../common/openapi';
import { IdParam } from '../common/routes';
import { CreateGeofenceDto, UpdateGeofenceDto } from './dto/places.dto';
import { type Call, PlacesRoutes, WRITE } from './places.routes';

@ApiTags('geofences')
@ApiCaller({ apiKey: true })
@Controller('geofences')
export class GeofencesController extends PlacesRoutes {
  protected readonly family = 'geofence';
  @Post() @Access(WRITE) @ApiProblems(404, 409, 422) create(@Req() c: Call, @Body() b: CreateGeofenceDto, @Res({ passthrough: true }) r: Response) { return this.doCreate(c, b, r.status(201)); }
  @Patch(':id') @IdParam('id') @Access(WRITE) @ApiProblems(404, 409, 412, 422) update(@Req() c: Call, @Body() b: UpdateGeofenceDto, @Res({ passthrough: true }) r: Response) { return this.doUpdate(c, b, r); }
}
