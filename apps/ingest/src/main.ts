import './v8-flags';
import 'reflect-metadata';
import { runApp } from '#libs/platform';
import { IngestEnv } from './ingest.env';
import { AppModule } from './app.module';

runApp({ name: 'ingest', env: IngestEnv, module: (config, logger) => AppModule.forRoot(config, logger) });
