import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { RejectedInputsController } from './rejected-inputs.controller';

@Module({ imports: [AuthModule], controllers: [RejectedInputsController] })
export class RejectedModule {}
