import { type DynamicModule, Global, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { topics } from '#libs/events';
import type { Logger } from 'pino';
import { brokerList } from './kafka.env';
import { KafkaHealthCheck } from './kafka.health';
import { KAFKA_OPTIONS, type KafkaOptions, KafkaService } from './kafka.service';
import type { ProducerPlacement } from './producer-connection';

@Global()
@Module({})
export class KafkaModule implements OnApplicationBootstrap {
  constructor(private readonly kafka: KafkaService) {}

  static forRoot(options: KafkaOptions): DynamicModule {
    return {
      module: KafkaModule,
      providers: [{ provide: KAFKA_OPTIONS, useValue: options }, KafkaService, HealthIndicatorService, KafkaHealthCheck],
      exports: [KafkaService, KafkaHealthCheck],
    };
  }

  /**
   * The usual wiring from an app's validated env: every Fieldline topic ensured at start. `producerRunsOn`
   * is the app's choice of producer thread when KAFKA_PRODUCER does not say.
   */
  static forEnv(
    env: { KAFKA_BROKERS: string; KAFKA_CLIENT_ID?: string; KAFKA_LINGER_MS?: number; KAFKA_PRODUCER?: ProducerPlacement; KAFKA_REPLICATION_FACTOR?: number },
    app: string,
    logger: Logger,
    producerRunsOn: ProducerPlacement = 'inline',
  ): DynamicModule {
    return KafkaModule.forRoot({
      brokers: brokerList(env.KAFKA_BROKERS),
      clientId: env.KAFKA_CLIENT_ID ?? `fieldline-${app}`,
      logger,
      producer: { lingerMs: env.KAFKA_LINGER_MS, runOn: env.KAFKA_PRODUCER ?? producerRunsOn },
      topics: Object.values(topics),
      replicationFactor: env.KAFKA_REPLICATION_FACTOR,
    });
  }

  /** Topics exist before any consumer subscribes or producer sends (the brokers never auto-create). */
  async onApplicationBootstrap(): Promise<void> {
    await this.kafka.ensureTopics();
  }
}
