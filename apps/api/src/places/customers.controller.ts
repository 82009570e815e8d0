import { Body, Controller, Patch, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiParam, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Access } from '../auth/access.decorator';
import { CreateCustomerDto, UpdateCustomerDto } from './dto/places.dto';
import { type Call, PlacesRoutes, WRITE } from './places.routes';

@ApiTags('customers')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('customers')
export class CustomersController extends PlacesRoutes {
  protected readonly family = 'customer';
  @Post() @Access(WRITE) create(@Req() c: Call, @Body() b: CreateCustomerDto, @Res({ passthrough: true }) r: Response) { return this.doCreate(c, b, r.status(201)); }
  @Patch(':id') @ApiParam({ name: 'id', type: String }) @Access(WRITE) update(@Req() c: Call, @Body() b: UpdateCustomerDto, @Res({ passthrough: true }) r: Response) { return this.doUpdate(c, b, r); }
}
