import 'reflect-metadata';
import { startKafkaEventHandlers } from '#libs/kafka';
import { runApp } from '#libs/platform';
import { DatabaseUnavailableError } from '#libs/timescale';
import { AppModule } from './app.module';
import { ProjectorEnv } from './projector.env';

runApp({
  name: 'projector',
  env: ProjectorEnv,
  module: (config, logger) => AppModule.forRoot(config, logger),
  // The projections are event handlers (ProjectionsController) on our Kafka transport; HTTP serves health and metrics.
  configure: async (app, config, logger) => {
    await startKafkaEventHandlers(app, {
      logger,
      groupOf: (pattern) => `${config.PROJECTOR_GROUP_PREFIX}-${pattern}`,
      only: config.PROJECTOR_PROJECTIONS,
      source: 'projector',
      sessionTimeoutMs: config.PROJECTOR_SESSION_TIMEOUT_MS,
      // a database away pauses a projection where it is, instead of failing its batch over and over
      waitOut: (error) => error instanceof DatabaseUnavailableError,
    });
  },
});
