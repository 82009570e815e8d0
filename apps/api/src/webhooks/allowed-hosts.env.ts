import { applyDecorators } from '@nestjs/common';
import { IsOptional, ValidateBy } from 'class-validator';
import { parseAllowedHosts } from './webhook-address-rules';

/** An allow-list of outbound hosts (WEBHOOK_ALLOWED_HOSTS, PUSH_ALLOWED_HOSTS): host names, addresses and CIDR networks, comma-separated. */
export const EnvAllowedHosts = (): PropertyDecorator =>
  applyDecorators(
    IsOptional(),
    ValidateBy({
      name: 'allowedHosts',
      validator: {
        validate: (value) => typeof value === 'string' && parseAllowedHosts(value).invalid.length === 0,
        defaultMessage: (args) =>
          `$property must list host names, IP addresses or CIDR networks, comma-separated; not: ${typeof args?.value === 'string' ? parseAllowedHosts(args.value).invalid.join(', ') : 'a string'}`,
      },
    }),
  );
