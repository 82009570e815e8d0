import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { ID_PATTERN } from '../../tenants/dto/tenants.dto';
import { IsText, ToNumber } from '../../common/validators';

export const DEVICE_KINDS = ['phone', 'gateway', 'tracker'] as const;

export class LinkDeviceDto {
  @ApiPropertyOptional({ description: 'The technician whose location this device reports (phones).' })
  @IsOptional()
  @Matches(ID_PATTERN)
  technicianId?: string;

  @ApiPropertyOptional({ description: 'The asset (van, generator) it is fitted to (trackers).' })
  @IsOptional()
  @Matches(ID_PATTERN)
  assetId?: string;
}

export class ProvisionDeviceDto extends LinkDeviceDto {
  @ApiPropertyOptional({ description: 'Its MQTT client id; generated when absent. Unique across all tenants.' })
  @IsOptional()
  @Matches(ID_PATTERN)
  deviceId?: string;

  @ApiProperty({ enum: DEVICE_KINDS }) @IsIn(DEVICE_KINDS) kind!: (typeof DEVICE_KINDS)[number];

  @ApiProperty({ example: "Ada's phone" }) @IsText(200) name!: string;

  @ApiPropertyOptional({ description: 'OwnTracks: the user part of owntracks/{user}/{device}.' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_.-]{1,64}$/)
  owntracksUser?: string;

  @ApiPropertyOptional({ description: 'OwnTracks: the device part of owntracks/{user}/{device}.' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_.-]{1,64}$/)
  owntracksDevice?: string;
}

export class RevokeDeviceDto {
  @ApiProperty({ example: 'phone lost' }) @IsText(500) reason!: string;
}

export class DeviceCertificateRequestDto {
  @ApiProperty({
    description: 'A PKCS#10 certificate signing request (PEM) made on the device: ECDSA P-256/P-384, Ed25519 or RSA ≥ 2048. The subject is ignored: the certificate names the device.',
    example: '-----BEGIN CERTIFICATE REQUEST-----\nMIH…\n-----END CERTIFICATE REQUEST-----',
    maxLength: 16384,
  })
  @IsString()
  @MaxLength(16_384)
  @Matches(/-----BEGIN CERTIFICATE REQUEST-----/, { message: 'csr must be a PEM certificate signing request (-----BEGIN CERTIFICATE REQUEST-----)' })
  csr!: string;
}

export class RevokeDeviceCertificateDto {
  @ApiProperty({ example: 'key leaked' }) @IsText(500) reason!: string;
}

export class UnlinkDeviceDto {
  @ApiPropertyOptional() @IsOptional() @IsText(500) reason?: string;
}

export class ListDevicesQuery {
  @ApiPropertyOptional() @IsOptional() @Matches(ID_PATTERN) technicianId?: string;
  @ApiPropertyOptional({ enum: DEVICE_KINDS }) @IsOptional() @IsIn(DEVICE_KINDS) kind?: string;
  @ApiPropertyOptional({ enum: ['active', 'revoked'] }) @IsOptional() @IsIn(['active', 'revoked']) status?: string;
  @ApiPropertyOptional({ default: 50, maximum: 200 }) @IsOptional() @ToNumber() @IsInt() @Min(1) @Max(200) limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500) cursor?: string;
}

export class DeviceCommandDto {
  @ApiProperty({ example: 'set_interval', description: 'Lower case: letters, digits, _ . -' }) @Matches(/^[a-z][a-z0-9_.-]{0,63}$/) command!: string;
  @ApiPropertyOptional({ example: { seconds: 30 } }) @IsOptional() @IsObject() args?: Record<string, unknown>;
}
