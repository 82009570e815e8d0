import { Body, Controller, Patch, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiParam, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Access } from '../auth/access.decorator';
import { CreateGeofenceDto, UpdateGeofenceDto } from './dto/places.dto';
import { type Call, PlacesRoutes, WRITE } from './places.routes';

@ApiTags('geofences')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('geofences')
export class GeofencesController extends PlacesRoutes {
  protected readonly family = 'geofence';
  @Post() @Access(WRITE) create(@Req() c: Call, @Body() b: CreateGeofenceDto, @Res({ passthrough: true }) r: Response) { return this.doCreate(c, b, r.status(201)); }
  @Patch(':id') @ApiParam({ name: 'id', type: String }) @Access(WRITE) update(@Req() c: Call, @Body() b: UpdateGeofenceDto, @Res({ passthrough: true }) r: Response) { return this.doUpdate(c, b, r); }
}
