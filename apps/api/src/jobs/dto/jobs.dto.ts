import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsIn,
  IsInt,
  IsISO8601,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsSkillList, IsText, ToNumber } from '../../common/validators';
import { ID_PATTERN } from '../../tenants/dto/tenants.dto';

export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export const JOB_STATUSES = ['unassigned', 'assigned', 'en_route', 'on_site', 'completed', 'cancelled', 'on_hold'] as const;

export class WindowDto {
  @ApiProperty({ example: '2031-05-04T08:00:00Z' }) @IsISO8601({ strict: true }) start!: string;
  @ApiProperty({ example: '2031-05-04T10:00:00Z' }) @IsISO8601({ strict: true }) end!: string;
}

// IsNumber + range, not IsLatitude/IsLongitude: those check the number's text and refused 5.96e-8.
export class LocationDto {
  @ApiProperty({ example: 52.52 }) @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(-90) @Max(90) lat!: number;
  @ApiProperty({ example: 13.405 }) @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(-180) @Max(180) lon!: number;
}

export class CreateJobDto {
  @ApiProperty({ example: 'Boiler makes noise' }) @IsText(200) title!: string;
  @ApiPropertyOptional() @IsOptional() @IsText(4000) description?: string;
  @ApiPropertyOptional() @IsOptional() @Matches(ID_PATTERN) customerId?: string;
  @ApiPropertyOptional() @IsOptional() @Matches(ID_PATTERN) siteId?: string;
  @ApiPropertyOptional({ type: LocationDto }) @IsOptional() @ValidateNested() @Type(() => LocationDto) location?: LocationDto;
  @ApiPropertyOptional({ example: ['hvac'] })
  @IsOptional()
  @IsSkillList()
  requiredSkills?: string[];
  @ApiPropertyOptional({ enum: PRIORITIES }) @IsOptional() @IsIn(PRIORITIES) priority?: (typeof PRIORITIES)[number];
  @ApiPropertyOptional({ type: WindowDto }) @IsOptional() @ValidateNested() @Type(() => WindowDto) window?: WindowDto;
}

export class AssignDto {
  @ApiProperty({ example: 'tech_01' }) @Matches(ID_PATTERN) technicianId!: string;
}
export class ReassignDto extends AssignDto {
  @ApiPropertyOptional() @IsOptional() @IsText(500) reason?: string;
}
export class OptionalReasonDto {
  @ApiPropertyOptional() @IsOptional() @IsText(500) reason?: string;
}
export class ReasonDto {
  @ApiProperty() @IsText(500) reason!: string;
}
export class CompleteDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(4000) summary?: string;
}
export class RescheduleDto {
  @ApiProperty({ type: WindowDto }) @ValidateNested() @Type(() => WindowDto) window!: WindowDto;
}
export class PriorityDto {
  @ApiProperty({ enum: PRIORITIES }) @IsIn(PRIORITIES) priority!: (typeof PRIORITIES)[number];
}
export class NoteDto {
  @ApiProperty() @IsText(4000) text!: string;
}

export class ListJobsQuery {
  @ApiPropertyOptional({ enum: JOB_STATUSES }) @IsOptional() @IsIn(JOB_STATUSES) status?: (typeof JOB_STATUSES)[number];
  @ApiPropertyOptional() @IsOptional() @Matches(ID_PATTERN) technicianId?: string;
  @ApiPropertyOptional({ enum: PRIORITIES }) @IsOptional() @IsIn(PRIORITIES) priority?: (typeof PRIORITIES)[number];
  @ApiPropertyOptional({ enum: ['created_at', 'window_start'], default: 'created_at' })
  @IsOptional()
  @IsIn(['created_at', 'window_start'])
  sort?: 'created_at' | 'window_start';
  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'asc' }) @IsOptional() @IsIn(['asc', 'desc']) order?: 'asc' | 'desc';
  @ApiPropertyOptional({ default: 50, maximum: 200 }) @IsOptional() @ToNumber() @IsInt() @Min(1) @Max(200) limit?: number;
  @ApiPropertyOptional({ description: 'nextCursor from the previous page' }) @IsOptional() @IsString() @MaxLength(500) cursor?: string;
}

export class BulkAssignmentDto {
  @ApiProperty() @Matches(ID_PATTERN) jobId!: string;
  @ApiProperty() @Matches(ID_PATTERN) technicianId!: string;
  @ApiPropertyOptional({ description: 'The job version this assignment was planned against (as If-Match).' })
  @IsOptional()
  @IsInt()
  @Min(1)
  expectedVersion?: number;
}

export class BulkAssignDto {
  @ApiProperty({ type: [BulkAssignmentDto] })
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => BulkAssignmentDto)
  assignments!: BulkAssignmentDto[];
}

export class ChatPageQuery {
  @ApiPropertyOptional({ default: 100, maximum: 500 }) @IsOptional() @ToNumber() @IsInt() @Min(1) @Max(500) limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500) cursor?: string;
}
