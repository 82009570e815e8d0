import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import type { CreateCallInput } from './calls.service';

// What starting and ending a call take, over REST (POST /calls) and signaling (`create`) alike.

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

export const createInput = (body: CreateCallDto): CreateCallInput => ({
  technicianIds: body.technicianIds,
  ...(body.jobId ? { jobId: body.jobId } : {}),
  mode: body.mode,
  ptt: body.ptt ?? false,
  record: body.record ?? false,
  consent: body.consent ?? false,
});
