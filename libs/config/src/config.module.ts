import { type DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigStore } from './config-store';
import { type AppEnv, loadEnv, processEnv } from './env.schema';

/** Injection token of the validated environment: `@Inject(APP_ENV) env: AppEnv`. */
export const APP_ENV = 'APP_ENV';

export interface KlaxonConfigModuleOptions {
  /** the variables to read; the process environment by default (tests pass their own) */
  env?: NodeJS.ProcessEnv;
  /** where a relative KLAXON_CONFIG is resolved; the process's cwd by default */
  cwd?: string;
}

/**
 * Loads the environment and the config file once, at start-up (a bad value
 * stops it with the ConfigError), and provides `APP_ENV` and `ConfigStore`
 * everywhere. Apps that want SIGHUP reloads call `store.watchSighup(logger)`.
 */
@Global()
@Module({})
export class KlaxonConfigModule {
  static forRoot(options: KlaxonConfigModuleOptions = {}): DynamicModule {
    const rawEnv = options.env ?? processEnv();
    return {
      module: KlaxonConfigModule,
      global: true,
      providers: [
        { provide: APP_ENV, useFactory: (): AppEnv => loadEnv(rawEnv, options.cwd === undefined ? {} : { cwd: options.cwd }) },
        { provide: ConfigStore, useFactory: (env: AppEnv) => new ConfigStore(env, rawEnv), inject: [APP_ENV] },
      ],
      exports: [APP_ENV, ConfigStore],
    };
  }
}
