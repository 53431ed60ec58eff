import { Module } from '@nestjs/common';

/** Who is on call now and next, and temporary overrides. */
@Module({})
export class OncallModule {}
