import { type DynamicModule, Module } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { Logger } from 'pino';
import { KafkaHealthCheck, KafkaModule } from '#libs/kafka';
import { MqttHealthCheck, MqttModule, type MqttOptions, type MqttSessions } from '#libs/mqtt';
import { HealthModule, instanceName, TlsFiles } from '#libs/platform';
import { RedisHealthCheck, RedisModule } from '#libs/redis';
import { DatabaseHealthCheck, DatabaseModule } from '#libs/timescale';
import { DeviceDirectory } from './devices/device-directory.service';
import { DeviceRepository } from './devices/device.repository';
import { PgDeviceRepository } from './devices/pg-device.repository';
import { OsmAndController } from './http/osmand.controller';
import type { IngestEnv } from './ingest.env';
import { BRIDGE_OPTIONS, type BridgeOptions, INGEST_OPTIONS, type IngestOptions, PRESENCE_OPTIONS, type PresenceOptions } from './ingest.options';
import { DEVICE_ATTEMPTS_OPTIONS, DeviceAttempts, deviceAttemptsOptions } from './mqtt/device-attempts';
import { DeviceRevocationsConsumer } from './mqtt/device-revocations.consumer';
import { isUplinkTopic } from './mqtt/device-topics';
import { DownlinkConsumer } from './mqtt/downlink.consumer';
import { ExternalBrokerBridge } from './mqtt/external-broker.bridge';
import { MqttGateway } from './mqtt/mqtt.gateway';
import { DevicePresence } from './presence/device-presence.tracker';
import { PresenceStore } from './presence/presence.store';
import { TelemetryPublisher } from './telemetry/telemetry.publisher';

/** The broker's TLS listeners, with the server certificate and (mutual TLS) the device CA, reloaded when they change. */
function mqttTls(config: IngestEnv, logger: Logger): MqttOptions['tls'] {
  if (!config.TLS_CERT_FILE || !config.TLS_KEY_FILE) return undefined;
  const files = new TlsFiles({ cert: config.TLS_CERT_FILE, key: config.TLS_KEY_FILE, ca: config.MQTT_DEVICE_CA_FILE }, logger, config.TLS_RELOAD_INTERVAL_MS);
  return { files, port: config.MQTT_TLS_PORT, wssPort: config.MQTT_WSS_PORT, clientCertificates: Boolean(config.MQTT_DEVICE_CA_FILE) };
}

/** Redis: the key space `fl:mqtt:`; devices' uplink stays in the process that received it (nobody may subscribe to it). */
function mqttSessions(config: IngestEnv): MqttSessions {
  return config.MQTT_SESSIONS === 'redis' ? { kind: 'redis', url: config.REDIS_URL, keyPrefix: 'fl:mqtt:', localOnly: isUplinkTopic } : { kind: 'memory' };
}

@Module({})
export class AppModule {
  static forRoot(config: IngestEnv, logger: Logger): DynamicModule {
    const external = config.MQTT_MODE === 'external';
    // each process of INGEST_PROCESSES is an instance of its own: its own stable name
    const nodeId = instanceName(config.INGEST_NODE_ID, config.INGEST_PROCESS_INDEX);
    const ingest: IngestOptions = {
      logger,
      nodeId,
      maxPayloadBytes: config.INGEST_MAX_PAYLOAD_BYTES,
      maxFutureSkewS: config.INGEST_MAX_FUTURE_SKEW_S,
      maxAgeS: config.INGEST_MAX_AGE_S,
    };
    const presence: PresenceOptions = { logger, staleAfterS: config.INGEST_STALE_AFTER_S, checkEveryMs: Math.min(15_000, config.INGEST_STALE_AFTER_S * 250) };
    return {
      module: AppModule,
      imports: [
        // The producer on its own thread: this one is the MQTT broker's, and kafkajs's encoding would take a fifth of it.
        KafkaModule.forEnv(config, 'ingest', logger, 'thread'),
        RedisModule.forEnv(config, logger),
        // Ingest reads the API's devices table; the API owns (and migrates) the schema.
        DatabaseModule.forEnv(config, logger),
        ...(external ? [] : [MqttModule.forRoot({ host: config.MQTT_HOST, port: config.MQTT_PORT, wsPort: config.MQTT_WS_PORT, logger, plaintext: config.MQTT_PLAINTEXT === 1, tls: mqttTls(config, logger), sessions: mqttSessions(config) })]),
        HealthModule.forRoot([KafkaHealthCheck, RedisHealthCheck, DatabaseHealthCheck, external ? ExternalBrokerBridge : MqttHealthCheck]),
      ],
      controllers: [OsmAndController],
      providers: [
        { provide: DeviceRepository, useClass: PgDeviceRepository },
        DeviceDirectory,
        TelemetryPublisher,
        // Embedded: our broker, with presence and downlink. External (scale-out): a shared-subscription bridge.
        ...(external
          ? [
              ExternalBrokerBridge,
              HealthIndicatorService,
              { provide: BRIDGE_OPTIONS, useValue: { url: config.MQTT_EXTERNAL_URL!, nodeId, shareGroup: 'fieldline-ingest' } satisfies BridgeOptions },
            ]
          : [MqttGateway, DeviceAttempts, { provide: DEVICE_ATTEMPTS_OPTIONS, useValue: deviceAttemptsOptions(config) }, DevicePresence, PresenceStore, DownlinkConsumer, DeviceRevocationsConsumer]),
        { provide: PRESENCE_OPTIONS, useValue: presence },
        { provide: INGEST_OPTIONS, useValue: ingest },
      ],
    };
  }
}
