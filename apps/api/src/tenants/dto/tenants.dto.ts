import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMinSize, ArrayUnique, IsEmail, IsIn, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { ROLES, type Role, SCOPES, type Scope } from '../../auth/principal';
import { IsText } from '../../common/validators';

export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;

export class CreateTenantDto {
  @ApiProperty({ example: 'Acme Heating' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name!: string;

  @ApiProperty({ example: 'admin@acme.example' })
  @IsEmail()
  adminEmail!: string;

  @ApiProperty({ example: 'Ada Admin' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  adminName!: string;

  @ApiProperty({ minLength: 10 })
  @IsString()
  @MinLength(10)
  @MaxLength(200)
  adminPassword!: string;
}

export class CreateUserDto {
  @ApiProperty() @IsEmail() email!: string;

  @ApiProperty() @IsText(200) name!: string;

  @ApiProperty({ enum: ROLES }) @IsIn(ROLES) role!: Role;

  @ApiProperty({ minLength: 10 }) @IsString() @MinLength(10) @MaxLength(200) password!: string;

  @ApiPropertyOptional({ description: 'For technicians: the technician (roster entry) this user is.' })
  @IsOptional()
  @Matches(ID_PATTERN)
  technicianId?: string;
}

export class CreateApiKeyDto {
  @ApiProperty({ example: 'ERP sync' }) @IsText(200) name!: string;

  @ApiProperty({ enum: SCOPES, isArray: true })
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(SCOPES, { each: true })
  scopes!: Scope[];
}
