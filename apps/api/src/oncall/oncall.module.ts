import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { OncallController } from './oncall.controller';
import { OncallService } from './oncall.service';

/** Who is on call now and next, and temporary overrides. */
@Module({ imports: [AuthModule], controllers: [OncallController], providers: [OncallService] })
export class OncallModule {}
