import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import { hashGeneratedSecret } from '#libs/platform';
import { DatabaseService, migrate } from '#libs/timescale';
import type { DevelopmentTls } from '../../tools/stack/development-tls';
import { type AppProcess, stackEnv, startAppProcess, tryParse } from './app-process';

const silent = pino({ level: 'silent' });

/** A phone's device row as POST /devices stores it (SHA-256 of a generated secret), the schema migrated first. */
export async function insertDevice(device: { id: string; secret: string; tenantId: string; technicianId: string; name?: string; owntracks?: { user: string; device: string } }): Promise<void> {
  const db = new DatabaseService({ url: process.env.DATABASE_URL!, poolMax: 1, logger: silent });
  try {
    await migrate(db, silent); // the API owns the schema; make sure it exists whatever ran first
    await db.query(
      `INSERT INTO devices (device_id, tenant_id, kind, name, secret_hash, technician_id, owntracks_user, owntracks_device)
       VALUES ($1, $2, 'phone', $3, $4, $5, $6, $7)`,
      [device.id, device.tenantId, device.name ?? 'e2e', hashGeneratedSecret(device.secret), device.technicianId, device.owntracks?.user ?? null, device.owntracks?.device ?? null],
    );
  } finally {
    await db.onApplicationShutdown();
  }
}

/** An ingest process's MQTT port of one kind (it listens on port 0 in tests and logs the ones it got); undefined: no such listener. */
export function mqttPortOf(ingest: AppProcess): number;
export function mqttPortOf(ingest: AppProcess, kind: 'tcp' | 'ws' | 'tls' | 'wss'): number | undefined;
export function mqttPortOf(ingest: AppProcess, kind: 'tcp' | 'ws' | 'tls' | 'wss' = 'tcp'): number | undefined {
  const listening = ingest.lines.map(tryParse).find((r) => r?.msg === 'MQTT broker listening');
  if (!listening) throw new Error('ingest has not logged "MQTT broker listening" (is it an ingest process, and up?)');
  return listening[kind] as number | undefined;
}

/** An ingest process with MQTT over TLS and secure WebSocket only (ports from the system), on `tls`'s server certificate. */
export const startTlsIngest = (tls: DevelopmentTls, extra: Record<string, string> = {}): Promise<AppProcess> =>
  startAppProcess('ingest', {
    ...stackEnv(),
    HTTP_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    MQTT_HOST: '127.0.0.1',
    MQTT_TLS_PORT: '0',
    MQTT_WSS_PORT: '0',
    MQTT_PLAINTEXT: '0',
    TLS_CERT_FILE: tls.certFile,
    TLS_KEY_FILE: tls.keyFile,
    ...extra,
  });

/** Ingest's downlink consumer group holds its partitions: it reads from the end, so a command produced before is never seen. */
export async function downlinkConsumerReady(): Promise<void> {
  const admin = new Kafka({ brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  for (let i = 0; i < 120; i++) {
    const { groups } = await admin.describeGroups(['fieldline-ingest-downlink']);
    if (groups[0]?.state === 'Stable' && groups[0].members.length > 0) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  await admin.disconnect();
}
