import 'reflect-metadata';
import { runAppProcesses } from '#libs/platform';
import { AppModule } from './app.module';
import { LeanWsAdapter } from './gateway/lean-ws.adapter';
import { RealtimeEnv } from './realtime.env';

runAppProcesses({
  name: 'realtime',
  env: RealtimeEnv,
  module: (config, logger) => AppModule.forRoot(config, logger),
  processes: (config) => config.REALTIME_PROCESSES,
  indexVariable: 'REALTIME_PROCESS_INDEX',
  // Plain WebSocket (ws) on the app's HTTP port, path /ws.
  configure: (app) => void app.useWebSocketAdapter(new LeanWsAdapter(app)),
});
