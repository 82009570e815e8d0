import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { ReadinessCheck } from '#libs/platform';
import { MqttBrokerService } from './mqtt-broker.service';

@Injectable()
export class MqttHealthCheck implements ReadinessCheck {
  constructor(
    private readonly mqtt: MqttBrokerService,
    private readonly health: HealthIndicatorService,
  ) {}

  async check() {
    const status = this.mqtt.status();
    const indicator = this.health.check('mqtt');
    return status.listening ? indicator.up(status) : indicator.down({ ...status, message: 'MQTT listeners are not open' });
  }
}
