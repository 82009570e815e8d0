import 'reflect-metadata';
import { runApp } from '#libs/platform';
import { ApiEnv } from './api.env';
import { AppModule } from './app.module';

runApp({ name: 'api', env: ApiEnv, module: (config, logger) => AppModule.forRoot(config, logger) });
