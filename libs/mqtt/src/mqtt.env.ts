import { ValidateBy } from 'class-validator';
import { type Constructor, EnvFile, EnvFlag, EnvOneOf, EnvPort, EnvString } from '#libs/platform';

/** Only with the TLS files: a device CA or no plaintext without a TLS listener is a mistake to stop at. */
const NeedsTls = (what: string) =>
  ValidateBy({
    name: 'needsTls',
    validator: {
      validate: (value, args) => value === undefined || value === 1 || Boolean((args?.object as { TLS_CERT_FILE?: string }).TLS_CERT_FILE),
      defaultMessage: () => `$property: ${what} needs TLS_CERT_FILE and TLS_KEY_FILE (the broker's TLS listeners)`,
    },
  });

/**
 * The embedded broker's listeners: MQTT over TCP, and MQTT over WebSocket at path /mqtt; with
 * TLS_CERT_FILE/TLS_KEY_FILE also MQTT over TLS and over secure WebSocket.
 */
export function withMqttEnv<Base extends Constructor>(base: Base) {
  class MqttEnv extends base {
    @EnvPort()
    MQTT_PORT: number = 1883;

    @EnvPort()
    MQTT_WS_PORT: number = 8083;

    @EnvString()
    MQTT_HOST: string = '0.0.0.0';

    /** MQTT over TLS (the IANA port), open when TLS_CERT_FILE/TLS_KEY_FILE are set. */
    @EnvPort()
    MQTT_TLS_PORT: number = 8883;

    /** MQTT over secure WebSocket (/mqtt), open when TLS_CERT_FILE/TLS_KEY_FILE are set. */
    @EnvPort()
    MQTT_WSS_PORT: number = 8084;

    /** 0: no plaintext listeners (MQTT_PORT, MQTT_WS_PORT) — devices must use TLS. Needs the TLS files. */
    @NeedsTls('turning plaintext off')
    @EnvFlag()
    MQTT_PLAINTEXT: number = 1;

    /**
     * The device CA's certificate (PEM): a device presenting a certificate it signed, and registered
     * through `POST /devices/:id/certificate`, connects over TLS without a password (mutual TLS).
     */
    @NeedsTls('device certificates')
    @EnvFile()
    MQTT_DEVICE_CA_FILE?: string;

    /**
     * `redis`: sessions, subscriptions and QoS 1 queues in Redis (REDIS_URL), shared by every ingest
     * process and kept across restarts. `memory`: in this process only, lost when it stops.
     */
    @EnvOneOf(['redis', 'memory'])
    MQTT_SESSIONS: 'redis' | 'memory' = 'redis';
  }
  return MqttEnv;
}
