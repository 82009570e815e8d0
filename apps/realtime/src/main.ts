import 'reflect-metadata';
import { runApp } from '#libs/platform';
import { AppModule } from './app.module';
import { LeanWsAdapter } from './gateway/lean-ws.adapter';
import { RealtimeEnv } from './realtime.env';

runApp({
  name: 'realtime',
  env: RealtimeEnv,
  module: (config, logger) => AppModule.forRoot(config, logger),
  // Plain WebSocket (ws) on the app's HTTP port, path /ws.
  configure: (app) => void app.useWebSocketAdapter(new LeanWsAdapter(app)),
});
