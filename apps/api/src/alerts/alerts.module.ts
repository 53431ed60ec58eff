import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { AlertActionsService } from './alert-actions.service';
import { AlertsController } from './alerts.controller';

@Module({ imports: [AuthModule], controllers: [AlertsController], providers: [AlertActionsService] })
export class AlertsModule {}
