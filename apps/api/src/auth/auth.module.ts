import { Module } from '@nestjs/common';
import { ApiTokenRepository } from '@klaxon/db';
import { ApiTokenService } from './api-token.service';
import { ApiTokensController } from './api-tokens.controller';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { SessionGuard } from './session.guard';

/** Sign-in, sessions, personal API tokens, and the guard every UI/REST endpoint uses. */
@Module({
  controllers: [AuthController, ApiTokensController],
  // ApiTokenRepository needs only PrismaService (global, from DbModule)
  providers: [AuthService, ApiTokenRepository, ApiTokenService, SessionGuard],
  exports: [AuthService, ApiTokenService, SessionGuard],
})
export class AuthModule {}
