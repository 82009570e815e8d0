import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import type { Constructor } from '#libs/platform';

/** The embedded broker's listeners: MQTT over TCP, and MQTT over WebSocket at path /mqtt. */
export function withMqttEnv<Base extends Constructor>(base: Base) {
  class MqttEnv extends base {
    @IsOptional()
    @Type(() => Number)
    @IsInt()
    @Min(0)
    @Max(65535)
    MQTT_PORT: number = 1883;

    @IsOptional()
    @Type(() => Number)
    @IsInt()
    @Min(0)
    @Max(65535)
    MQTT_WS_PORT: number = 8083;

    @IsOptional()
    @IsString()
    MQTT_HOST: string = '0.0.0.0';
  }
  return MqttEnv;
}
