import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Jwks } from '#libs/platform';
import { ApiOpen } from '../common/openapi';
import { Public } from './access.decorator';
import { JWKS } from './access-token-keys';

const JWK_SCHEMA = {
  type: 'object',
  required: ['kty', 'crv', 'x', 'kid', 'alg', 'use'],
  properties: {
    kty: { type: 'string', enum: ['OKP', 'EC'] },
    crv: { type: 'string', enum: ['Ed25519', 'P-256'] },
    x: { type: 'string' },
    y: { type: 'string', description: 'P-256 keys only.' },
    kid: { type: 'string', description: 'RFC 7638 thumbprint of the key: the `kid` of the tokens it signs.' },
    alg: { type: 'string', enum: ['EdDSA', 'ES256'] },
    use: { type: 'string', enum: ['sig'] },
  },
};

/** The public keys that check access tokens (RFC 7517), for realtime, media and anyone else who verifies them. */
@ApiTags('auth')
@Controller('.well-known')
@Public()
@ApiOpen()
export class JwksController {
  constructor(@Inject(JWKS) private readonly jwks: Jwks) {}

  @Get('jwks.json')
  // Verifiers also refetch on an unknown kid: a short cache keeps a proxy from hiding a new key long.
  @Header('Cache-Control', 'public, max-age=60')
  @ApiOkResponse({
    description: 'The signing key and the rotation keys: every key whose tokens are accepted.',
    schema: { type: 'object', required: ['keys'], properties: { keys: { type: 'array', items: JWK_SCHEMA } } },
  })
  keys(): Jwks {
    return this.jwks;
  }
}
