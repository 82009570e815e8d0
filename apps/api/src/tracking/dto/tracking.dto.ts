import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsISO8601, IsNumber, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { IsSkillList, ToNumber } from '../../common/validators';

export class TrackQuery {
  @ApiProperty({ example: '2031-05-04T06:00:00Z' }) @IsISO8601({ strict: true }) from!: string;
  @ApiProperty({ example: '2031-05-04T18:00:00Z' }) @IsISO8601({ strict: true }) to!: string;
  @ApiPropertyOptional({ enum: ['json', 'geojson', 'gpx'], default: 'json' }) @IsOptional() @IsIn(['json', 'geojson', 'gpx']) format?: 'json' | 'geojson' | 'gpx';
  @ApiPropertyOptional({ description: 'Above this many fixes the track is downsampled with time_bucket (the last fix of each bucket).', default: 2000, maximum: 20000 })
  @IsOptional()
  @ToNumber()
  @IsInt()
  @Min(10)
  @Max(20_000)
  maxPoints?: number;
}

export class SummaryQuery {
  @ApiProperty({ example: '2031-05-04', format: 'date', description: 'A calendar day in UTC.' }) @Matches(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/) date!: string;
}

const toList = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : value);

export class NearestQuery {
  // Redis GEOSEARCH takes latitudes within ±85.05112878 (Web Mercator) and answered a 500 beyond: refused as invalid instead
  @ApiProperty({ example: 52.52 }) @ToNumber() @IsNumber() @Min(-85.05112878) @Max(85.05112878) lat!: number;
  @ApiProperty({ example: 13.405 }) @ToNumber() @IsNumber() @Min(-180) @Max(180) lon!: number;
  @ApiPropertyOptional({ example: 'hvac,gas', description: 'Comma-separated skills every candidate must have.' })
  @IsOptional()
  @Transform(toList)
  @IsSkillList()
  skills?: string[];
  @ApiPropertyOptional({ default: 10, maximum: 100 }) @IsOptional() @ToNumber() @IsInt() @Min(1) @Max(100) limit?: number;
  @ApiPropertyOptional({ default: 100_000, description: 'Search radius in metres.' }) @IsOptional() @ToNumber() @IsNumber() @Min(100) @Max(1_000_000) radiusM?: number;
  @ApiPropertyOptional({ default: 3600, description: 'Ignore positions older than this many seconds.' }) @IsOptional() @ToNumber() @IsInt() @Min(10) maxAgeS?: number;
}

export class NearestForJobQuery {
  @ApiPropertyOptional({ default: 10, maximum: 100 }) @IsOptional() @ToNumber() @IsInt() @Min(1) @Max(100) limit?: number;
  @ApiPropertyOptional({ default: 100_000 }) @IsOptional() @ToNumber() @IsNumber() @Min(100) @Max(1_000_000) radiusM?: number;
  @ApiPropertyOptional({ default: 3600 }) @IsOptional() @ToNumber() @IsInt() @Min(10) maxAgeS?: number;
}

export class FeedQuery {
  @ApiProperty({ example: '1764133200000-0', description: 'The last feed id you have (from a snapshot or an entry).' })
  @IsString()
  @Matches(/^\d{1,15}-\d{1,15}$/) // each part below 2^53: ids are compared as numbers, and Redis refuses parts past 2^64 (was a 500)
  @MaxLength(41)
  after!: string;
  @ApiPropertyOptional({ default: 500, maximum: 5000 }) @IsOptional() @ToNumber() @IsInt() @Min(1) @Max(5000) limit?: number;
}

export class BrowserFixDto {
  @ApiProperty({ example: 52.52 }) @IsNumber() @Min(-90) @Max(90) lat!: number;
  @ApiProperty({ example: 13.405 }) @IsNumber() @Min(-180) @Max(180) lon!: number;
  @ApiProperty({ example: '2031-05-04T08:15:00.000Z', description: 'When the browser took the fix.' }) @IsISO8601({ strict: true }) at!: string;
  @ApiPropertyOptional({ example: 12 }) @IsOptional() @IsNumber() @Min(0) @Max(100_000) accuracyM?: number;
  @ApiPropertyOptional({ example: 8.3 }) @IsOptional() @IsNumber() @Min(0) @Max(150) speedMps?: number;
  @ApiPropertyOptional({ example: 90 }) @IsOptional() @IsNumber() @Min(0) @Max(359.999) headingDeg?: number;
}

/** Fixes from the browser's geolocation (the technician view's "share my location"). */
export class BrowserLocationsDto {
  @ApiProperty({ type: [BrowserFixDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => BrowserFixDto)
  fixes!: BrowserFixDto[];
}
