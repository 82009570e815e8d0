import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { SpanKind, trace } from '@opentelemetry/api';
import type { AuthenticateError, Client, PublishPacket, Subscription } from 'aedes';
import { KafkaService } from '#libs/kafka';
import { MqttBrokerService, verifiedPeerCertificate } from '#libs/mqtt';
import { Clock, inSpan, markFailed, Metrics, newTraceparent, traceparentOf, tracesExported } from '#libs/platform';
import { DeviceDirectory } from '../devices/device-directory.service';
import type { KnownDevice } from '../devices/device.repository';
import { INGEST_OPTIONS, type IngestOptions } from '../ingest.options';
import { mapMessage } from '../telemetry/telemetry-mapper';
import { TelemetryPublisher } from '../telemetry/telemetry.publisher';
import { DeviceAttempts, slowdownMs } from './device-attempts';
import { mayPublish, ownCommandTopics } from './device-topics';
import { type Pausable, SocketBackpressure } from './socket-backpressure';

/** MQTT 3.1.1 CONNACK codes (aedes maps them to MQTT 5 reason codes for v5 clients). */
const SERVER_UNAVAILABLE = 3;
const BAD_CREDENTIALS = 4;
const NOT_AUTHORIZED = 5;

/** A connected device: who it is, and the certificate serial when it logged in with one (mutual TLS). */
export type DeviceClient = Client & { device?: KnownDevice; certificateSerial?: string };

/**
 * The MQTT edge: who may connect (device id + secret), what each device may publish (its own topics)
 * and subscribe (its own command topic), and the durable hand-off to Kafka. A QoS 1 publish is
 * acknowledged only after Kafka acknowledged the record: the send happens in authorizePublish, which
 * aedes runs before it writes the PUBACK. Bad payloads are acknowledged too, once their dead-letter
 * record is in Kafka: the device must not retry them forever.
 */
@Injectable()
export class MqttGateway implements OnModuleInit {
  readonly counters = { aclRefusals: 0, authFailures: 0 };
  private readonly measure: ReturnType<typeof mqttMetrics>;
  readonly backpressure: SocketBackpressure;

  constructor(
    private readonly broker: MqttBrokerService,
    private readonly telemetry: TelemetryPublisher,
    private readonly devices: DeviceDirectory,
    private readonly clock: Clock,
    private readonly attempts: DeviceAttempts,
    @Inject(INGEST_OPTIONS) private readonly options: IngestOptions,
    kafka: KafkaService,
    metrics: Metrics,
  ) {
    this.measure = mqttMetrics(metrics, () => this.broker.status().clients, () => this.backpressure.pausedCount);
    this.backpressure = new SocketBackpressure(() => kafka.producerPressure, { high: 0.8, low: 0.5, pollMs: 50 }, (paused) =>
      options.logger.warn({ context: 'mqtt.backpressure', pausedSockets: paused }, paused > 0 ? 'Kafka is behind: pausing publishing sockets' : 'Kafka caught up: sockets resumed'),
    );
  }

  onModuleInit(): void {
    this.broker.use({
      authenticate: (client, username, password, done) => void this.authenticate(client as DeviceClient, username, password, done),
      authorizePublish: (client, packet, done) => void this.publish(client as DeviceClient | null, packet, done),
      authorizeSubscribe: (client, subscription, done) => done(null, this.subscribe(client as DeviceClient, subscription)),
    });
  }

  private async authenticate(
    client: DeviceClient,
    username: string | undefined,
    password: Buffer | undefined,
    done: (error: AuthenticateError | null, success: boolean | null) => void,
  ): Promise<void> {
    const log = this.options.logger;
    // A client certificate the TLS handshake verified against the device CA: no secret needed, and no
    // guessing to limit (the handshake proved the key). One not issued, revoked or expired falls back
    // to the password if one came, else is refused.
    const certificate = verifiedPeerCertificate(client);
    if (certificate) {
      const verdict = await this.byCertificate(client, username, certificate.fingerprint256).catch((error: Error) => {
        log.warn({ context: 'mqtt.auth', clientId: client.id, err: error.message }, 'device not checked: the device directory is unavailable');
        return 'unavailable' as const;
      });
      if (verdict === 'accepted') return done(null, true);
      if (verdict === 'unavailable') {
        this.measure.refusals.inc({ reason: 'directory_unavailable' });
        return done(Object.assign(new Error('server unavailable'), { returnCode: SERVER_UNAVAILABLE }), false);
      }
      if (!password) {
        this.counters.authFailures++;
        this.measure.refusals.inc({ reason: 'certificate_refused' });
        log.warn({ context: 'mqtt.auth', clientId: client.id, username, serial: certificate.serialNumber }, 'device refused: its certificate is revoked, expired, or not issued to it');
        return done(Object.assign(new Error('not authorized'), { returnCode: NOT_AUTHORIZED }), false);
      }
    }
    const address = remoteAddress(client);
    const deviceId = username || client.id;
    // Guessing limits are shared by every ingest instance through Redis. Redis away: no limit, the
    // secret is still checked (refusing every device would be worse than slowing no guesser).
    const lockedMs = await this.attempts.lockedFor(deviceId, address).catch((error: Error) => {
      log.warn({ context: 'mqtt.auth', err: error.message }, 'guessing limits unavailable (Redis): not applied');
      return 0;
    });
    if (lockedMs > 0) {
      // Locked (device id or address): the secret is not looked at, the right one is refused too.
      // "Server unavailable" because it is temporary: the device retries later on its own, where "bad
      // credentials" or "not authorized" would make phone apps stop and ask their user for a password.
      this.measure.refusals.inc({ reason: 'locked' });
      log.warn({ context: 'mqtt.auth', clientId: client.id, username, address, lockedSeconds: Math.ceil(lockedMs / 1000) }, 'device refused: locked after repeated failures');
      setTimeout(() => done(Object.assign(new Error('server unavailable'), { returnCode: SERVER_UNAVAILABLE }), false), slowdownMs(0, lockedMs));
      return;
    }
    let device: Awaited<ReturnType<DeviceDirectory['authenticate']>>;
    try {
      device = deviceId && password ? await this.devices.authenticate(deviceId, password.toString('utf8')) : undefined;
    } catch (error) {
      // The directory cannot answer (database away): "server unavailable", so the device retries —
      // "bad credentials" would make a phone app stop and ask its user for a new password.
      log.warn({ context: 'mqtt.auth', clientId: client.id, err: (error as Error).message }, 'device not checked: the device directory is unavailable');
      this.measure.refusals.inc({ reason: 'directory_unavailable' });
      return done(Object.assign(new Error('server unavailable'), { returnCode: SERVER_UNAVAILABLE }), false);
    }
    if (device && ownsClientId(device, client.id)) {
      client.device = device;
      void this.attempts.succeeded(deviceId).catch(() => undefined); // best effort: the failures expire anyway
      return done(null, true);
    }
    this.counters.authFailures++;
    this.measure.refusals.inc({ reason: 'bad_credentials' });
    // Each failure counts against the device id and the address; from the sixth one from an address
    // on, the refusal waits longer and longer (up to 10 s); the failure that reaches a limit locks.
    const counted = await this.attempts.failed(deviceId, address).catch(() => ({ addressFailures: 0, lockedMs: 0 }));
    const slowdown = slowdownMs(counted.addressFailures);
    log.warn({ context: 'mqtt.auth', clientId: client.id, username, address, slowdownMs: slowdown, lockedSeconds: Math.ceil(counted.lockedMs / 1000) }, 'device authentication failed');
    setTimeout(() => done(Object.assign(new Error('bad credentials'), { returnCode: device ? NOT_AUTHORIZED : BAD_CREDENTIALS }), false), slowdown);
  }

  private async byCertificate(client: DeviceClient, username: string | undefined, fingerprint256: string): Promise<'accepted' | 'refused'> {
    const device = await this.devices.byCertificate(fingerprint256.replaceAll(':', '').toLowerCase());
    if (!device || (username && username !== device.deviceId) || !ownsClientId(device, client.id)) return 'refused';
    const { serial, ...known } = device;
    client.device = known;
    client.certificateSerial = serial;
    return 'accepted';
  }

  private subscribe(client: DeviceClient, subscription: Subscription): Subscription | null {
    const device = client.device;
    const allowed = device && ownCommandTopics(device).includes(subscription.topic);
    if (allowed) return subscription;
    this.refuse(client, 'subscribe', subscription.topic);
    return null; // SUBACK failure (0x80), the connection stays
  }

  private async publish(client: DeviceClient | null, packet: PublishPacket, done: (error?: Error | null) => void): Promise<void> {
    const device = client?.device;
    if (!client || !device) return done(); // the broker's own messages (wills are handled as presence later)
    if (!mayPublish(device, packet.topic)) {
      this.refuse(client, 'publish', packet.topic);
      return done(new Error(`not authorized to publish to ${packet.topic}`)); // MQTT 3.1.1 has no refusal code: disconnect
    }
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    this.backpressure.observe((client as unknown as { conn?: Pausable }).conn);
    // Each message starts its trace: the fix's way to the dashboards is one trace (aedes speaks MQTT
    // 3.1.1, so a device cannot send a context of its own). A span when spans are exported; otherwise
    // just the ids (≈0.2 µs instead of ≈2.3 µs a message), which still travel and can be logged.
    if (!tracesExported()) return this.handOff(device, packet, payload, done, newTraceparent());
    await inSpan('mqtt.publish', { parent: '', kind: SpanKind.CONSUMER, attributes: { 'messaging.destination.name': packet.topic } }, () =>
      this.handOff(device, packet, payload, done),
    );
  }

  /** To Kafka (or the dead-letter topic), then `done`: aedes writes the PUBACK after it. */
  private async handOff(device: KnownDevice, packet: PublishPacket, payload: Buffer, done: (error?: Error | null) => void, traceparent?: string): Promise<void> {
    const started = performance.now();
    try {
      let outcome: 'accepted' | 'dead-lettered' | 'ignored' = 'dead-lettered';
      if (payload.length > this.options.maxPayloadBytes) {
        const reason = `${payload.length} bytes > ${this.options.maxPayloadBytes}`;
        await this.telemetry.deadLetter(device, 'payload_too_large', reason, payload.subarray(0, this.options.maxPayloadBytes), 'ingest.mqtt');
      } else {
        outcome = await this.telemetry.publish(device, mapMessage(packet.topic, payload, device, this.clock.now(), this.options), payload, 'ingest.mqtt', {}, traceparent ?? traceparentOf());
        if (outcome === 'dead-lettered') this.options.logger.info({ context: 'mqtt.dlq', deviceId: device.deviceId, topic: packet.topic }, 'message dead-lettered');
      }
      done();
      if (this.options.logger.isLevelEnabled('debug')) {
        const trace = traceparent ? { trace_id: traceparent.slice(3, 35) } : {}; // inside a span the logger adds it
        this.options.logger.debug({ context: 'mqtt.publish', deviceId: device.deviceId, topic: packet.topic, outcome, ...trace }, 'message handed to Kafka');
      }
      // aedes writes the PUBACK right after `done`: this is the device's wait, Kafka's acks=all included
      if (packet.qos > 0) this.measure.pubackSeconds.observe((performance.now() - started) / 1000);
      this.measure.outcomes[outcome].inc();
    } catch (error) {
      this.measure.outcomes.failed.inc();
      markFailed(trace.getActiveSpan(), error);
      // Kafka refused or is away: no PUBACK. The connection closes; the device resends after reconnecting.
      this.options.logger.warn({ context: 'mqtt.publish', deviceId: device.deviceId, err: (error as Error).message }, 'could not hand the message to Kafka');
      done(error as Error);
    }
  }

  private refuse(client: DeviceClient, action: 'publish' | 'subscribe', topic: string): void {
    this.counters.aclRefusals++;
    this.measure.refusals.inc({ reason: `acl_${action}` });
    this.options.logger.warn({ context: 'mqtt.acl', clientId: client.id, deviceId: client.device?.deviceId, action, topic }, `${action} refused by ACL`);
  }
}

/** The broker's series. Refusal reasons and outcomes are small fixed sets; no device or tenant labels. */
function mqttMetrics(metrics: Metrics, clients: () => number, pausedSockets: () => number) {
  metrics.gauge({
    name: 'fieldline_mqtt_connections',
    help: 'MQTT clients connected to this ingest node',
    collect() {
      this.set(clients());
    },
  });
  metrics.gauge({
    name: 'fieldline_mqtt_paused_sockets',
    help: 'Publishing sockets paused because Kafka is behind',
    collect() {
      this.set(pausedSockets());
    },
  });
  const publishes = metrics.counter({ name: 'fieldline_mqtt_publishes_total', help: 'Device publishes by outcome: accepted, dead_lettered, ignored, failed (no PUBACK)', labelNames: ['outcome'] as const });
  return {
    // one child per outcome, bound once: no label hashing per message
    outcomes: { accepted: publishes.labels('accepted'), 'dead-lettered': publishes.labels('dead_lettered'), ignored: publishes.labels('ignored'), failed: publishes.labels('failed') },
    pubackSeconds: metrics.histogram({ name: 'fieldline_mqtt_puback_seconds', help: 'Time from a QoS 1 publish arriving to its PUBACK (the record acknowledged by Kafka)' }),
    refusals: metrics.counter({
      name: 'fieldline_mqtt_refusals_total',
      help: 'Connections and packets refused: bad_credentials, locked (guessing limit), directory_unavailable, acl_publish, acl_subscribe',
      labelNames: ['reason'] as const,
    }),
  };
}

/** A device connects as its own id, or `<id>:<anything>` (several sessions of one device); OwnTracks phones choose their own. */
const ownsClientId = (device: KnownDevice, clientId: string): boolean => clientId === device.deviceId || clientId.startsWith(`${device.deviceId}:`) || Boolean(device.owntracks);

/** The client's address: its TCP socket's, or for MQTT over WebSocket the HTTP upgrade's (the stream has none). */
function remoteAddress(client: Client): string | undefined {
  const c = client as unknown as { conn?: { remoteAddress?: string }; req?: { socket?: { remoteAddress?: string } } };
  return c.conn?.remoteAddress ?? c.req?.socket?.remoteAddress;
}
