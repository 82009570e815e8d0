import './v8-flags';
import 'reflect-metadata';
import { runAppProcesses } from '#libs/platform';
import { IngestEnv } from './ingest.env';
import { AppModule } from './app.module';

runAppProcesses({
  name: 'ingest',
  env: IngestEnv,
  module: (config, logger) => AppModule.forRoot(config, logger),
  processes: (config) => config.INGEST_PROCESSES,
  indexVariable: 'INGEST_PROCESS_INDEX',
});
