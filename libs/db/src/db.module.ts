import { Global, Module, type DynamicModule } from '@nestjs/common';
import { DATABASE_URL, PrismaService } from './prisma.service';
import { SqlPool } from './sql-pool.service';
import { AlertRepository } from './repositories/alert.repository';
import { NotificationRepository } from './repositories/notification.repository';
import { HousekeepingRepository } from './repositories/housekeeping.repository';
import { NoiseRepository } from './repositories/noise.repository';
import { RejectedInputRepository } from './repositories/rejected-input.repository';
import { ReplyCodeRepository } from './repositories/reply-code.repository';
import { SessionRepository } from './repositories/session.repository';
import { SilenceRepository } from './repositories/silence.repository';
import { SmsReplyRepository } from './repositories/sms-reply.repository';
import { ScheduleOverrideRepository } from './repositories/schedule-override.repository';

const repositories = [AlertRepository, HousekeepingRepository, NotificationRepository, NoiseRepository, RejectedInputRepository, ReplyCodeRepository, SessionRepository, SilenceRepository, ScheduleOverrideRepository, SmsReplyRepository];

@Global()
@Module({})
export class DbModule {
  static forRoot(databaseUrl: string): DynamicModule {
    return {
      module: DbModule,
      providers: [{ provide: DATABASE_URL, useValue: databaseUrl }, PrismaService, SqlPool, ...repositories],
      exports: [PrismaService, SqlPool, ...repositories],
    };
  }
}
