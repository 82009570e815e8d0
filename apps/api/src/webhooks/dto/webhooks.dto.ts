import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsString, IsUrl, Matches } from 'class-validator';

export class CreateWebhookDto {
  @ApiProperty({ example: 'https://erp.example.com/fieldline', description: 'An https URL whose host resolves only to public internet addresses (no loopback, private, link-local or reserved ones).' })
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  url!: string;

  @ApiProperty({ example: ['job.assigned', 'job.completed'], description: "Event types, or a family wildcard such as 'job.*'." })
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Matches(/^[a-z]+\.([a-z_]+|\*)$/, { each: true })
  eventTypes!: string[];
}
