import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, ValidateNested } from 'class-validator';
import { HTTPS_URL_SCHEMA } from '../../webhooks/dto/webhooks.dto';
import { PUSH_ALERTS, type PushAlert } from '../push-alerts';

export class PushKeysDto {
  @ApiProperty({ description: "The browser's ECDH public key (P-256, uncompressed point), base64url: 65 bytes.", example: 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM' })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{86,88}={0,2}$/, { message: 'p256dh must be a base64url P-256 public key (65 bytes)' })
  p256dh!: string;

  @ApiProperty({ description: 'The authentication secret, base64url: 16 bytes.', example: 'tBHItJI5svbpez7KI4CCXg' })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{22}(==)?$/, { message: 'auth must be a base64url 16-byte secret' })
  auth!: string;
}

/** A browser's PushSubscription as `JSON.stringify(subscription)` gives it, plus the alerts wanted. */
export class CreatePushSubscriptionDto {
  @ApiProperty({
    description: "The push service URL of this browser. https to a public address only (like webhooks): 400 or 422 otherwise.",
    example: 'https://fcm.googleapis.com/fcm/send/dpH5lCsTSSM-APA91bH',
    ...HTTPS_URL_SCHEMA,
  })
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  endpoint!: string;

  @ApiProperty({ type: PushKeysDto })
  @ValidateNested()
  @Type(() => PushKeysDto)
  keys!: PushKeysDto;

  @ApiPropertyOptional({ description: 'What the browser gave (ignored: a push service answering 404/410 removes the subscription).', nullable: true, type: 'integer' })
  @IsOptional()
  @IsInt()
  expirationTime?: number | null;

  @ApiPropertyOptional({
    description:
      "The alerts this browser wants. A technician's are about their own jobs and calls (job.assigned, job.changed, call.incoming); a dispatcher's or admin's about the tenant (job.completed, tracking.*). Absent: every alert of the caller's role. Alerts of another role are kept but never sent.",
    enum: PUSH_ALERTS,
    isArray: true,
  })
  @IsOptional()
  @ArrayMaxSize(PUSH_ALERTS.length)
  @IsIn(PUSH_ALERTS, { each: true })
  alerts?: PushAlert[];
}
