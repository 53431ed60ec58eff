import { Controller, ForbiddenException, HttpCode, HttpException, HttpStatus, Inject, Post, UseGuards } from '@nestjs/common';
import type { Logger } from 'pino';
import { ConfigStore } from '@klaxon/config';
import { ClusterBroadcast } from '@klaxon/queue';
import { LOGGER } from '../app-tokens';
import type { SignedInUser } from '../auth/auth.service';
import { CurrentUser, SessionGuard } from '../auth/session.guard';

/** `POST /api/v1/config/reload`: re-read the config file here, and tell every other process to. */
@Controller('api/v1/config')
@UseGuards(SessionGuard)
export class ConfigReloadController {
  constructor(
    private readonly config: ConfigStore,
    private readonly broadcast: ClusterBroadcast,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Post('reload')
  @HttpCode(200)
  async reload(@CurrentUser() user: SignedInUser): Promise<{ reloaded: true }> {
    if (user.role !== 'admin') throw new ForbiddenException('only an admin may reload the config');
    const result = this.config.reload();
    if (!result.ok) {
      this.logger.warn({ by: user.id, error: result.error }, 'config reload refused; the running config stays');
      throw new HttpException({ reloaded: false, message: result.error }, HttpStatus.UNPROCESSABLE_ENTITY);
    }
    this.logger.info({ by: user.id }, 'config reloaded');
    await this.broadcast.publish({ type: 'config-reload', by: user.id });
    return { reloaded: true };
  }
}
