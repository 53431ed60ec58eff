import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { DeliveryHealthController } from './delivery-health.controller';
import { DeliveryHealthService } from './delivery-health.service';
import { HealthController } from './health.controller';

@Module({ imports: [AuthModule], controllers: [HealthController, DeliveryHealthController], providers: [DeliveryHealthService] })
export class HealthModule {}
