import 'reflect-metadata';
import { ValidationPipe } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import { runApp } from '#libs/platform';
import { AppModule } from './app.module';
import { MediaProblemFilter } from './http/media-problem.filter';
import { MediaEnv } from './media.env';

runApp({
  name: 'media',
  env: MediaEnv,
  module: (config, logger) => AppModule.forRoot(config, logger),
  configure: (app, _config, logger) => {
    app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
    app.useGlobalFilters(new MediaProblemFilter(logger));
    // Call signaling: plain WebSocket on the app's HTTP port, path /media.
    app.useWebSocketAdapter(new WsAdapter(app));
  },
});
