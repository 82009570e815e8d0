import './quiet-debug'; // first: before aedes loads mqtt-packet
export { MQTT_OPTIONS, MQTT_WS_PATH, MqttBrokerService, type MqttHooks, type MqttOptions, verifiedPeerCertificate } from './mqtt-broker.service';
export { withMqttEnv } from './mqtt.env';
export { type MqttSessions } from './mqtt-sessions';
export { MqttHealthCheck } from './mqtt.health';
export { MqttModule } from './mqtt.module';
