import 'reflect-metadata';
import { runApp } from '#libs/platform';
import { ProjectorEnv } from './projector.env';
import { AppModule } from './app.module';

runApp({ name: 'projector', env: ProjectorEnv, module: (config, logger) => AppModule.forRoot(config, logger) });
