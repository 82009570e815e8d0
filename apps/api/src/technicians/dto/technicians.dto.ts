import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsBoolean, IsOptional, IsString, Matches, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { LocationDto } from '../../jobs/dto/jobs.dto';
import { ID_PATTERN } from '../../tenants/dto/tenants.dto';

class SkillsField {
  @ApiProperty({ example: ['hvac', 'gas'] })
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(50, { each: true })
  skills!: string[];
}

export class RegisterTechnicianDto {
  @ApiPropertyOptional({ description: 'Your id for them (HR number …); generated when absent.', example: 'tech_ada' })
  @IsOptional()
  @Matches(ID_PATTERN)
  technicianId?: string;

  @ApiProperty({ example: 'Ada Lovelace' }) @IsString() @MinLength(1) @MaxLength(200) name!: string;

  @ApiPropertyOptional({ example: ['hvac'] })
  @IsOptional()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(50, { each: true })
  skills?: string[];

  @ApiPropertyOptional({ type: LocationDto }) @IsOptional() @ValidateNested() @Type(() => LocationDto) homeBase?: LocationDto;
}

export class ChangeSkillsDto extends SkillsField {}

export class AvailabilityDto {
  @ApiProperty() @IsBoolean() available!: boolean;
  @ApiPropertyOptional({ example: 'lunch' }) @IsOptional() @IsString() @MinLength(1) @MaxLength(200) reason?: string;
}

export class DeactivateDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(1) @MaxLength(500) reason?: string;
}
