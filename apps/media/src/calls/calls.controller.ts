import { Body, Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import type { Request } from 'express';
import { type Caller, CallsService } from './calls.service';

const ID = /^[A-Za-z0-9_.:-]{1,200}$/;

export class CreateCallDto {
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(99) @Matches(ID, { each: true }) technicianIds!: string[];
  @IsOptional() @Matches(ID) jobId?: string;
  @IsIn(['audio', 'video']) mode!: 'audio' | 'video';
  @IsOptional() @IsBoolean() ptt?: boolean;
  @IsOptional() @IsBoolean() record?: boolean;
  /** Every participant agreed to the recording (the dispatcher confirms it when starting a recorded call). */
  @IsOptional() @IsBoolean() consent?: boolean;
}

export class EndCallDto {
  @IsOptional() @IsString() @MaxLength(200) @Type(() => String) reason?: string;
}

type Authed = Request & { caller: Caller };

/** Calls over REST: start one (a dispatcher), look at it, end it; the media itself goes over /media. */
@Controller('calls')
export class CallsController {
  constructor(private readonly calls: CallsService) {}

  @Post()
  async create(@Req() request: Authed, @Body() body: CreateCallDto) {
    const { state } = await this.calls.create(request.caller, {
      technicianIds: body.technicianIds,
      ...(body.jobId ? { jobId: body.jobId } : {}),
      mode: body.mode,
      ptt: body.ptt ?? false,
      record: body.record ?? false,
      consent: body.consent ?? false,
    });
    return { ...view(state), signaling: '/media' };
  }

  @Get(':callId')
  get(@Req() request: Authed, @Param('callId') callId: string) {
    return view(this.calls.view(request.caller, callId));
  }

  @Post(':callId/end')
  @HttpCode(204)
  async end(@Req() request: Authed, @Param('callId') callId: string, @Body() body: EndCallDto) {
    await this.calls.end(request.caller, callId, body.reason);
  }
}

function view(state: ReturnType<CallsService['view']>) {
  return {
    callId: state.callId,
    createdBy: state.createdBy,
    createdAt: new Date(state.createdAt).toISOString(),
    ...(state.jobId ? { jobId: state.jobId } : {}),
    mode: state.mode,
    ptt: state.ptt,
    record: state.record,
    invitees: Object.entries(state.invitees).map(([technicianId, i]) => ({ technicianId, state: i.state })),
    participants: Object.values(state.participants).map((p) => ({ userId: p.userId, ...(p.technicianId ? { technicianId: p.technicianId } : {}), joinedAt: new Date(p.joinedAt).toISOString() })),
  };
}
