import 'reflect-metadata';
import { runApp } from '#libs/platform';
import { ApiEnv } from './api.env';
import { AppModule } from './app.module';
import { configureHttp } from './http.setup';

runApp({ name: 'api', env: ApiEnv, module: (config, logger) => AppModule.forRoot(config, logger), configure: configureHttp });
