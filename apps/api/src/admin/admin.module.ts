import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ConfigReloadController } from './config-reload.controller';

@Module({ imports: [AuthModule], controllers: [ConfigReloadController] })
export class AdminModule {}
