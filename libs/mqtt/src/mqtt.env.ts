import { type Constructor, EnvPort, EnvString } from '#libs/platform';

/** The embedded broker's listeners: MQTT over TCP, and MQTT over WebSocket at path /mqtt. */
export function withMqttEnv<Base extends Constructor>(base: Base) {
  class MqttEnv extends base {
    @EnvPort()
    MQTT_PORT: number = 1883;

    @EnvPort()
    MQTT_WS_PORT: number = 8083;

    @EnvString()
    MQTT_HOST: string = '0.0.0.0';
  }
  return MqttEnv;
}
