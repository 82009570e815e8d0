import { Body, Controller, Patch, Post, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Access } from '../auth/access.decorator';
import { ApiCaller, ApiProblems } from '../common/openapi';
import { IdParam } from '../common/routes';
import { CreateCustomerDto, UpdateCustomerDto } from './dto/places.dto';
import { type Call, PlacesRoutes, WRITE } from './places.routes';

@ApiTags('customers')
@ApiCaller({ apiKey: true })
@Controller('customers')
export class CustomersController extends PlacesRoutes {
  protected readonly family = 'customer';
  @Post() @Access(WRITE) @ApiProblems(404, 409, 422) create(@Req() c: Call, @Body() b: CreateCustomerDto, @Res({ passthrough: true }) r: Response) { return this.doCreate(c, b, r.status(201)); }
  @Patch(':id') @IdParam('id') @Access(WRITE) @ApiProblems(404, 409, 412, 422) update(@Req() c: Call, @Body() b: UpdateCustomerDto, @Res({ passthrough: true }) r: Response) { return this.doUpdate(c, b, r); }
}
