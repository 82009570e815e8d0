import 'reflect-metadata';
import { startKafkaEventHandlers } from '#libs/kafka';
import { runApp } from '#libs/platform';
import { DatabaseUnavailableError } from '#libs/timescale';
import { ApiEnv } from './api.env';
import { AppModule } from './app.module';
import { configureHttp } from './http.setup';

runApp({
  name: 'api',
  env: ApiEnv,
  module: (config, logger) => AppModule.forRoot(config, logger),
  configure: async (app, config, logger) => {
    configureHttp(app, config, logger);
    // webhook fan-out (WebhookEventsController) and push (PushEventsController) on our Kafka transport,
    // a group each; the groups join in the background
    await startKafkaEventHandlers(app, {
      logger,
      groupOf: (pattern) => (pattern === 'push' ? config.PUSH_CONSUMER_GROUP : config.WEBHOOK_CONSUMER_GROUP),
      source: 'api',
      waitOut: (error) => error instanceof DatabaseUnavailableError,
    });
  },
});
