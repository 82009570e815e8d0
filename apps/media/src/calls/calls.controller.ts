import { Body, Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { CreateCallDto, createInput, EndCallDto } from './call.dto';
import { type Caller, CallsService } from './calls.service';

type Authed = Request & { caller: Caller };

/** Calls over REST: start one (a dispatcher), look at it, end it; the media itself goes over /media. */
@Controller('calls')
export class CallsController {
  constructor(private readonly calls: CallsService) {}

  @Post()
  async create(@Req() request: Authed, @Body() body: CreateCallDto) {
    const { state } = await this.calls.create(request.caller, createInput(body));
    return { ...view(state), signaling: '/media' };
  }

  @Get(':callId')
  get(@Req() request: Authed, @Param('callId') callId: string) {
    return view(this.calls.view(request.caller, callId));
  }

  /** Bytes and packets of every producer and consumer now: what flows, for the dispatcher and for tests. */
  @Get(':callId/stats')
  stats(@Req() request: Authed, @Param('callId') callId: string) {
    return this.calls.stats(request.caller, callId);
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
