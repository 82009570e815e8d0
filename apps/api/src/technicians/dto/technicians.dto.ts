import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, Max, Min, IsBoolean, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { IsSkillList, IsText, ToNumber } from '../../common/validators';
import { LocationDto } from '../../jobs/dto/jobs.dto';
import { ID_PATTERN } from '../../tenants/dto/tenants.dto';

export class RegisterTechnicianDto {
  @ApiPropertyOptional({ description: 'Your id for them (HR number …); generated when absent.', example: 'tech_ada' })
  @IsOptional()
  @Matches(ID_PATTERN)
  technicianId?: string;

  @ApiProperty({ example: 'Ada Lovelace' }) @IsText(200) name!: string;

  @ApiPropertyOptional({ example: ['hvac'] })
  @IsOptional()
  @IsSkillList()
  skills?: string[];

  @ApiPropertyOptional({ type: LocationDto }) @IsOptional() @ValidateNested() @Type(() => LocationDto) homeBase?: LocationDto;
}

export class ChangeSkillsDto {
  @ApiProperty({ example: ['hvac', 'gas'] })
  @IsSkillList()
  skills!: string[];
}

export class AvailabilityDto {
  @ApiProperty() @IsBoolean() available!: boolean;
  @ApiPropertyOptional({ example: 'lunch' }) @IsOptional() @IsText(200) reason?: string;
}

export class DeactivateDto {
  @ApiPropertyOptional() @IsOptional() @IsText(500) reason?: string;
}

export class ListTechniciansQuery {
  @ApiPropertyOptional({ enum: ['off_shift', 'on_shift', 'deactivated'] }) @IsOptional() @IsIn(['off_shift', 'on_shift', 'deactivated']) status?: string;
  @ApiPropertyOptional({ description: 'Only technicians available for new jobs (on shift, not on a break).' })
  @IsOptional()
  @IsIn(['true', 'false'])
  available?: 'true' | 'false';
  @ApiPropertyOptional({ example: 'hvac' }) @IsOptional() @IsString() @MaxLength(50) skill?: string;
  @ApiPropertyOptional({ description: 'Name starts with (case-insensitive).' }) @IsOptional() @IsString() @MaxLength(200) q?: string;
  @ApiPropertyOptional({ default: 50, maximum: 200 }) @IsOptional() @ToNumber() @IsInt() @Min(1) @Max(200) limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500) cursor?: string;
}
