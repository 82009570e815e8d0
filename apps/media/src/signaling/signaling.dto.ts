import { IsBoolean, IsIn, IsObject, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { CreateCallDto } from '../calls/call.dto';

// Every signaling request is validated: the frame, then its method's params. mediasoup's own
// structures (dtlsParameters, rtpParameters, rtpCapabilities) are checked as objects here and in
// depth by mediasoup, whose refusals come back as error responses.

const ID = /^[A-Za-z0-9_.:-]{1,200}$/;

export const METHODS = ['create', 'join', 'decline', 'leave', 'end', 'createTransport', 'connectTransport', 'restartIce', 'produce', 'consume', 'resumeConsumer', 'mute', 'takeFloor', 'releaseFloor'] as const;

export class RequestFrame {
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'id must be a short string the answer repeats' }) id!: string;
  @IsIn(METHODS, { message: `method must be one of ${METHODS.join(', ')}` }) method!: (typeof METHODS)[number];
  @IsOptional() @IsObject() params?: Record<string, unknown>;
}

class OnCall {
  @Matches(ID, { message: 'callId is required' }) callId!: string;
}
class End extends OnCall {
  @IsOptional() @IsString() @MaxLength(200) reason?: string;
}
class CreateTransport extends OnCall {
  @IsIn(['send', 'recv']) direction!: 'send' | 'recv';
}
class OnTransport extends OnCall {
  @IsString() @MaxLength(100) transportId!: string;
}
class ConnectTransport extends OnTransport {
  @IsObject() dtlsParameters!: Record<string, unknown>;
}
class Produce extends OnTransport {
  @IsIn(['audio', 'video']) kind!: 'audio' | 'video';
  @IsObject() rtpParameters!: Record<string, unknown>;
}
class Consume extends OnCall {
  @IsString() @MaxLength(100) producerId!: string;
  @IsObject() rtpCapabilities!: Record<string, unknown>;
}
class ResumeConsumer extends OnCall {
  @IsString() @MaxLength(100) consumerId!: string;
}
class Mute extends OnCall {
  @IsString() @MaxLength(100) producerId!: string;
  @IsBoolean() muted!: boolean;
}

export const methods: Record<(typeof METHODS)[number], new () => object> = {
  create: CreateCallDto,
  join: OnCall,
  decline: OnCall,
  leave: OnCall,
  end: End,
  createTransport: CreateTransport,
  connectTransport: ConnectTransport,
  restartIce: OnTransport,
  produce: Produce,
  consume: Consume,
  resumeConsumer: ResumeConsumer,
  mute: Mute,
  takeFloor: OnCall,
  releaseFloor: OnCall,
};
