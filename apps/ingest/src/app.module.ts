import { type DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { KafkaHealthCheck, KafkaModule } from '#libs/kafka';
import { MqttHealthCheck, MqttModule } from '#libs/mqtt';
import { HealthModule } from '#libs/platform';
import { RedisHealthCheck, RedisModule } from '#libs/redis';
import type { IngestEnv } from './ingest.env';

@Module({})
export class AppModule {
  static forRoot(config: IngestEnv, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        KafkaModule.forEnv(config, 'ingest', logger),
        RedisModule.forEnv(config, logger),
        MqttModule.forRoot({ host: config.MQTT_HOST, port: config.MQTT_PORT, wsPort: config.MQTT_WS_PORT, logger }),
        HealthModule.forRoot([KafkaHealthCheck, RedisHealthCheck, MqttHealthCheck]),
      ],
    };
  }
}
