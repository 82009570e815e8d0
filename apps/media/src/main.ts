import 'reflect-metadata';
import { runApp } from '#libs/platform';
import { MediaEnv } from './media.env';
import { AppModule } from './app.module';

runApp({ name: 'media', env: MediaEnv, module: (config, logger) => AppModule.forRoot(config, logger) });
