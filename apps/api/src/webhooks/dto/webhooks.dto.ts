import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsString, IsUrl, Matches } from 'class-validator';

/** An outbound URL in the document (webhooks, push endpoints): what IsUrl accepts, narrowed to https (http is refused with 400 unless allowed). */
export const HTTPS_URL_SCHEMA = {
  pattern: '^https://([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}(/[A-Za-z0-9._~-]*)*$',
  maxLength: 2083, // IsUrl's own limit
};

export class CreateWebhookDto {
  @ApiProperty({
    example: 'https://erp.example.com/fieldline',
    description: 'An https URL whose host resolves only to public internet addresses (no loopback, private, link-local or reserved ones): otherwise 400 or 422.',
    ...HTTPS_URL_SCHEMA,
  })
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  url!: string;

  @ApiProperty({ example: ['job.assigned', 'job.completed'], description: "Event types, or a family wildcard such as 'job.*'." })
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Matches(/^[a-z]+\.([a-z_]+|\*)$/, { each: true })
  eventTypes!: string[];
}
