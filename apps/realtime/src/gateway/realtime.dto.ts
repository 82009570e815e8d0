import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayNotEmpty, IsIn, IsNumber, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateNested } from 'class-validator';
import { STREAMS, type StreamName } from '#libs/realtime-client';

export class ViewportDto {
  @IsNumber() @Min(-180) @Max(180) west!: number;
  @IsNumber() @Min(-90) @Max(90) south!: number;
  @IsNumber() @Min(-180) @Max(180) east!: number;
  @IsNumber() @Min(-90) @Max(90) north!: number;
}

const FEED_ID = /^\d{1,20}-\d{1,20}$/;
const ID = /^[A-Za-z0-9_.:-]{1,200}$/;

export class SubscribeDto {
  @ArrayNotEmpty() @ArrayMaxSize(STREAMS.length) @IsIn(STREAMS, { each: true }) streams!: StreamName[];
  @IsOptional() @Matches(FEED_ID, { message: 'after must be a feed id (<ms>-<seq>)' }) after?: string;
  @IsOptional() @ValidateNested() @Type(() => ViewportDto) viewport?: ViewportDto;
}

export class ViewportChangeDto {
  @IsOptional() @ValidateNested() @Type(() => ViewportDto) viewport!: ViewportDto | null;
}

export class AuthDto {
  @IsString() @MinLength(10) @MaxLength(4096) token!: string;
}

export class PresenceDto {
  @IsIn(['active', 'idle']) state!: 'active' | 'idle';
}

export class ChatSendDto {
  @Matches(ID) jobId!: string;
  @IsString() @MinLength(1) @MaxLength(4000) @Matches(/^[^\u0000]*$/, { message: 'text must not contain NUL characters' }) text!: string;
  @Matches(ID) clientMessageId!: string;
}

export class ChatJobDto {
  @Matches(ID) jobId!: string;
}

export class ChatReceiptDto {
  @Matches(ID) jobId!: string;
  @Matches(ID) messageId!: string;
}
