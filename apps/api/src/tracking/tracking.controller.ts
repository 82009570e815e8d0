import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiProduces, ApiTags } from '@nestjs/swagger';
import { ApiCaller, ApiProblems } from '../common/openapi';
import { IdParam } from '../common/routes';
import type { Response } from 'express';
import { Access, CurrentPrincipal } from '../auth/access.decorator';
import type { Principal } from '../auth/principal';
import { BrowserLocationsPublisher } from './browser-locations.publisher';
import { BrowserLocationsDto, FeedQuery, NearestForJobQuery, NearestQuery, SummaryQuery, TrackQuery } from './dto/tracking.dto';
import { toGeoJson, toGpx } from './track-formats';
import { TrackingService } from './tracking.service';

const READ = { roles: ['admin', 'dispatcher', 'technician', 'integrator'], scope: 'technicians:read' } as const;
const DISPATCH = { roles: ['admin', 'dispatcher', 'integrator'], scope: 'jobs:read' } as const;
/** Only the technician themself shares (checked with the technician, so another tenant's id answers 404). */
const SHARE = { roles: ['admin', 'dispatcher', 'technician'] } as const;
const BOARD = { roles: ['admin', 'dispatcher', 'technician', 'integrator'], scope: 'jobs:read' } as const;

@ApiTags('tracking')
@ApiCaller({ apiKey: true })
@Controller()
export class TrackingController {
  constructor(
    private readonly tracking: TrackingService,
    private readonly browserLocations: BrowserLocationsPublisher,
  ) {}

  /** The technician's own fixes from the browser's geolocation; 202 once Kafka has them. */
  @Post('technicians/:technicianId/locations')
  @HttpCode(202)
  @IdParam('technicianId')
  @ApiProblems(404)
  @Access(SHARE)
  shareLocations(@CurrentPrincipal() principal: Principal, @Param('technicianId') technicianId: string, @Body() body: BrowserLocationsDto) {
    return this.browserLocations.publish(principal, technicianId, body.fixes);
  }

  @Get('technicians/:technicianId/track')
  @IdParam('technicianId')
  @ApiProblems(404)
  @ApiProduces('application/json', 'application/geo+json', 'application/gpx+xml')
  @Access(READ)
  async track(@CurrentPrincipal() principal: Principal, @Param('technicianId') technicianId: string, @Query() query: TrackQuery, @Res({ passthrough: true }) res: Response) {
    const track = await this.tracking.track(principal, technicianId, query.from, query.to, query.maxPoints ?? 2000);
    if (query.format === 'gpx') {
      res.setHeader('Content-Type', 'application/gpx+xml; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="${technicianId}-${query.from.slice(0, 10)}.gpx"`);
      res.send(toGpx(track, `${technicianId} ${track.from} – ${track.to}`));
      return undefined;
    }
    if (query.format === 'geojson') {
      res.setHeader('Content-Type', 'application/geo+json; charset=utf-8');
      res.send(JSON.stringify(toGeoJson(track)));
      return undefined;
    }
    return track;
  }

  @Get('technicians/:technicianId/summary')
  @IdParam('technicianId')
  @ApiProblems(404)
  @Access(READ)
  summary(@CurrentPrincipal() principal: Principal, @Param('technicianId') technicianId: string, @Query() query: SummaryQuery) {
    return this.tracking.summary(principal, technicianId, query.date);
  }

  @Get('tracking/nearest')
  @Access(DISPATCH)
  nearest(@CurrentPrincipal() principal: Principal, @Query() query: NearestQuery) {
    return this.tracking.nearest(principal, { lat: query.lat, lon: query.lon }, query.skills ?? [], query.limit ?? 10, query.radiusM ?? 100_000, query.maxAgeS ?? 3600);
  }

  @Get('jobs/:jobId/nearest-technicians')
  @IdParam('jobId')
  @ApiProblems(404, 422)
  @Access(DISPATCH)
  nearestForJob(@CurrentPrincipal() principal: Principal, @Param('jobId') jobId: string, @Query() query: NearestForJobQuery) {
    return this.tracking.nearestForJob(principal, jobId, query.limit ?? 10, query.radiusM ?? 100_000, query.maxAgeS ?? 3600);
  }

  @Get('board/jobs')
  @Access(BOARD)
  jobsBoard(@CurrentPrincipal() principal: Principal) {
    return this.tracking.board(principal, 'jobs');
  }

  @Get('board/technicians')
  @Access(BOARD)
  techniciansBoard(@CurrentPrincipal() principal: Principal) {
    return this.tracking.board(principal, 'technicians');
  }

  @Get('board/positions')
  @Access(BOARD)
  positionsBoard(@CurrentPrincipal() principal: Principal) {
    return this.tracking.board(principal, 'positions');
  }

  @Get('board/presence')
  @Access(BOARD)
  presenceBoard(@CurrentPrincipal() principal: Principal) {
    return this.tracking.board(principal, 'presence');
  }

  @Get('feed')
  @Access(BOARD)
  feed(@CurrentPrincipal() principal: Principal, @Query() query: FeedQuery) {
    return this.tracking.feed(principal, query.after, query.limit ?? 500);
  }
}
