import { type DynamicModule, Global, Module } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { MQTT_OPTIONS, MqttBrokerService, type MqttOptions } from './mqtt-broker.service';
import { MqttHealthCheck } from './mqtt.health';

@Global()
@Module({})
export class MqttModule {
  static forRoot(options: MqttOptions): DynamicModule {
    return {
      module: MqttModule,
      providers: [{ provide: MQTT_OPTIONS, useValue: options }, MqttBrokerService, HealthIndicatorService, MqttHealthCheck],
      exports: [MqttBrokerService, MqttHealthCheck],
    };
  }
}
