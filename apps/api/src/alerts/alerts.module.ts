import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { AlertActionsService } from './alert-actions.service';
import { AlertsController } from './alerts.controller';
import { SilencesModule } from '../silences/silences.module';

@Module({ imports: [AuthModule, SilencesModule], controllers: [AlertsController], providers: [AlertActionsService], exports: [AlertActionsService] })
export class AlertsModule {}
