import 'reflect-metadata';
import { ValidationPipe } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import { ProblemFilter, runApp } from '#libs/platform';
import { AppModule } from './app.module';
import { mediaProblems } from './http/media-problems';
import { MediaEnv } from './media.env';

runApp({
  name: 'media',
  env: MediaEnv,
  module: (config, logger) => AppModule.forRoot(config, logger),
  configure: (app, _config, logger) => {
    app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
    app.useGlobalFilters(new ProblemFilter(logger, mediaProblems));
    // Call signaling: plain WebSocket on the app's HTTP port, path /media.
    app.useWebSocketAdapter(new WsAdapter(app));
  },
});
