import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { SilencesController } from './silences.controller';
import { SilencesService } from './silences.service';

@Module({ imports: [AuthModule], controllers: [SilencesController], providers: [SilencesService], exports: [SilencesService] })
export class SilencesModule {}
