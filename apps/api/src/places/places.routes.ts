import { Delete, Get, HttpCode, Inject, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { PlaceFamily } from '#libs/domain';
import { Access } from '../auth/access.decorator';
import type { Principal } from '../auth/principal';
import { ApiProblems } from '../common/openapi';
import { etag, parseIfMatch } from '../common/request-context';
import { IdParam } from '../common/routes';
import { ListPlacesQuery } from './dto/places.dto';
import { type PlaceView, PlacesService } from './places.service';

export const READ = { roles: ['admin', 'dispatcher', 'technician', 'integrator'], scope: 'places:read' } as const;
export const WRITE = { roles: ['admin', 'dispatcher', 'integrator'], scope: 'places:write' } as const;

export type Call = Request<{ id: string }> & { principal: Principal };
const info = (call: Call) => ({ principal: call.principal, correlationId: call.header('x-correlation-id'), ifMatch: parseIfMatch(call.header('if-match')) });
const tagged = (res: Response, view: PlaceView) => {
  res.setHeader('ETag', etag(view.version));
  return view;
};

/** The routes every place resource has; subclasses only fix the family and the body types. */
export abstract class PlacesRoutes {
  protected abstract readonly family: PlaceFamily;
  // Explicit token: an undecorated base class gets no emitted constructor metadata.
  constructor(@Inject(PlacesService) protected readonly places: PlacesService) {}

  protected async doCreate(call: Call, body: object, res: Response) {
    return tagged(res, await this.places.create(this.family, info(call), body));
  }
  protected async doUpdate(call: Call, body: object, res: Response) {
    return tagged(res, await this.places.execute(this.family, info(call), call.params.id, 'UpdatePlace', body));
  }

  @Get()
  @Access(READ)
  list(@Req() call: Call, @Query() query: ListPlacesQuery) {
    return this.places.list(this.family, call.principal, query);
  }

  @Get(':id')
  @IdParam('id')
  @ApiProblems(404)
  @Access(READ)
  async get(@Req() call: Call, @Res({ passthrough: true }) res: Response) {
    return tagged(res, await this.places.get(this.family, call.principal, call.params.id));
  }

  /** Retires it: gone from lists and refused for new jobs; its history stays. */
  @Delete(':id')
  @IdParam('id')
  @ApiProblems(404, 409, 412)
  @HttpCode(200)
  @Access(WRITE)
  async retire(@Req() call: Call, @Res({ passthrough: true }) res: Response) {
    return tagged(res, await this.places.execute(this.family, info(call), call.params.id, 'RetirePlace', {}));
  }
}
