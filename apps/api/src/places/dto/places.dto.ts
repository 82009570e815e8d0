import { ApiProperty, type ApiPropertyOptions, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsPositive,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { IsName, IsText, ToNumber } from '../../common/validators';
import { LocationDto } from '../../jobs/dto/jobs.dto';
import { ID_PATTERN } from '../../tenants/dto/tenants.dto';


/** The domain's email check (zod's), which is narrower than IsEmail: stated here so the schema says it. */
const EMAIL = /^(?:[A-Za-z0-9_'+\-]+\.)*[A-Za-z0-9_'+\-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$/;

export class CreateCustomerDto {
  @ApiProperty({ example: 'Acme Bakery' }) @IsName() name!: string;
  @ApiPropertyOptional() @IsOptional() @IsEmail() @Matches(EMAIL) email?: string;
  @ApiPropertyOptional({ example: '+49 30 123456' }) @IsOptional() @IsString() @MinLength(3) @MaxLength(40) phone?: string;
  @ApiPropertyOptional() @IsOptional() @IsText(2000) notes?: string;
}
export class UpdateCustomerDto {
  @ApiPropertyOptional() @IsOptional() @IsName() name?: string;
  @ApiPropertyOptional() @IsOptional() @IsEmail() @Matches(EMAIL) email?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(3) @MaxLength(40) phone?: string;
  @ApiPropertyOptional() @IsOptional() @IsText(2000) notes?: string;
}

export class CreateSiteDto {
  @ApiProperty({ example: 'Acme Bakery Mitte' }) @IsName() name!: string;
  @ApiPropertyOptional() @IsOptional() @Matches(ID_PATTERN) customerId?: string;
  @ApiProperty({ example: 'Torstr. 1, 10119 Berlin' }) @IsText(500) address!: string;
  @ApiProperty({ type: LocationDto }) @ValidateNested() @Type(() => LocationDto) location!: LocationDto;
}
export class UpdateSiteDto {
  @ApiPropertyOptional() @IsOptional() @IsName() name?: string;
  @ApiPropertyOptional() @IsOptional() @IsText(500) address?: string;
  @ApiPropertyOptional({ type: LocationDto }) @IsOptional() @ValidateNested() @Type(() => LocationDto) location?: LocationDto;
}

/** `circle` needs center and radiusM; `polygon` needs 3–200 points (not closed: the last joins the first). */
export class GeofenceShapeDto {
  @ApiProperty({ enum: ['circle', 'polygon'] }) @IsIn(['circle', 'polygon']) kind!: 'circle' | 'polygon';
  // a field of the other kind is refused too when given (it used to pass unchecked, unknown fields and all)
  @ApiPropertyOptional({ type: LocationDto }) @ValidateIf((s) => s.kind === 'circle' || s.center !== undefined) @ValidateNested() @Type(() => LocationDto) center?: LocationDto;
  @ApiPropertyOptional({ example: 120 }) @ValidateIf((s) => s.kind === 'circle' || s.radiusM !== undefined) @IsPositive() @Max(100_000) radiusM?: number;
  @ApiPropertyOptional({ type: [LocationDto] })
  @ValidateIf((s) => s.kind === 'polygon' || s.points !== undefined)
  @ArrayMinSize(3)
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => LocationDto)
  points?: LocationDto[];
}
/** The shape as the schema states it: a circle or a polygon, each with its own required fields. */
const SHAPE = {
  oneOf: [
    { type: 'object', additionalProperties: false, required: ['kind', 'center', 'radiusM'], properties: { kind: { type: 'string', enum: ['circle'] }, center: { $ref: getSchemaPath(LocationDto) }, radiusM: { type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 100_000 } } },
    { type: 'object', additionalProperties: false, required: ['kind', 'points'], properties: { kind: { type: 'string', enum: ['polygon'] }, points: { type: 'array', minItems: 3, maxItems: 200, items: { $ref: getSchemaPath(LocationDto) } } } },
  ],
} as unknown as ApiPropertyOptions;

export class CreateGeofenceDto {
  @ApiProperty({ example: 'Bakery yard' }) @IsName() name!: string;
  @ApiPropertyOptional({ description: 'The site this geofence belongs to (arrival detection).' }) @IsOptional() @Matches(ID_PATTERN) siteId?: string;
  @ApiProperty(SHAPE) @ValidateNested() @Type(() => GeofenceShapeDto) shape!: GeofenceShapeDto;
}
export class UpdateGeofenceDto {
  @ApiPropertyOptional() @IsOptional() @IsName() name?: string;
  @ApiPropertyOptional(SHAPE) @IsOptional() @ValidateNested() @Type(() => GeofenceShapeDto) shape?: GeofenceShapeDto;
}

export class ListPlacesQuery {
  @ApiPropertyOptional({ description: 'Sites: of this customer. Geofences: of this site.' }) @IsOptional() @Matches(ID_PATTERN) parentId?: string;
  @ApiPropertyOptional({ enum: ['active', 'retired'], default: 'active' }) @IsOptional() @IsIn(['active', 'retired']) status?: 'active' | 'retired';
  @ApiPropertyOptional({ description: 'Name starts with (case-insensitive).' }) @IsOptional() @IsString() @MaxLength(200) q?: string;
  @ApiPropertyOptional({ enum: ['name', 'created_at'], default: 'name' }) @IsOptional() @IsIn(['name', 'created_at']) sort?: 'name' | 'created_at';
  @ApiPropertyOptional({ default: 50, maximum: 200 }) @IsOptional() @ToNumber() @IsInt() @Min(1) @Max(200) limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500) cursor?: string;
}
