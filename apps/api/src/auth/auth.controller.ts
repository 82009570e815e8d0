import { Body, Controller, HttpCode, Ip, Post } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiOpen, ApiProblems } from '../common/openapi';
import { Public } from './access.decorator';
import { AuthService } from './auth.service';
import { LoginDto, RefreshDto, TokenPairDto } from './dto/auth.dto';

@ApiTags('auth')
@Controller('auth')
@Public()
@ApiOpen()
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('login')
  @HttpCode(200)
  @ApiOkResponse({ type: TokenPairDto })
  @ApiProblems(401)
  // 429 TOO_MANY_ATTEMPTS: the account or this address is locked after repeated failures.
  login(@Body() body: LoginDto, @Ip() address: string) {
    return this.auth.login(body.email, body.password, address);
  }

  @Post('refresh')
  @HttpCode(200)
  @ApiOkResponse({ type: TokenPairDto })
  @ApiProblems(401)
  // 429 TOO_MANY_ATTEMPTS: this address is locked after repeated refused refresh tokens.
  refresh(@Body() body: RefreshDto, @Ip() address: string) {
    return this.auth.refresh(body.refreshToken, address);
  }

  /** Revokes the refresh token's whole family (this login on this device). */
  @Post('logout')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Revoked (also when the token was unknown or already revoked).' })
  async logout(@Body() body: RefreshDto) {
    await this.auth.logout(body.refreshToken);
  }
}
