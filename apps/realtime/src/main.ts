import 'reflect-metadata';
import { runApp } from '#libs/platform';
import { RealtimeEnv } from './realtime.env';
import { AppModule } from './app.module';

runApp({ name: 'realtime', env: RealtimeEnv, module: (config, logger) => AppModule.forRoot(config, logger) });
