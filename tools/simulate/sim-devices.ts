import pino from 'pino';
import { hashGeneratedSecret } from '#libs/platform';
import { DatabaseService, migrate } from '#libs/timescale';

export const SIM_SECRET = 'simulator-secret';

/**
 * Puts `count` simulated phones (sim-00001 …) into the development database with the simulator
 * secret, ready to connect to ingest. Development and benchmark use only; production provisions
 * devices through POST /devices.
 */
export async function provisionSimDevices(databaseUrl: string, count: number, tenantId: string): Promise<string[]> {
  const logger = pino({ level: 'silent' });
  const db = new DatabaseService({ url: databaseUrl, poolMax: 2, logger });
  try {
    await migrate(db, logger);
    const hash = hashGeneratedSecret(SIM_SECRET); // stored as POST /devices stores device secrets
    const ids = Array.from({ length: count }, (_, i) => `sim-${String(i + 1).padStart(5, '0')}`);
    await db.query(
      `INSERT INTO devices (device_id, tenant_id, kind, name, secret_hash, technician_id, owntracks_user, owntracks_device)
       SELECT id, $2, 'phone', 'simulated phone', $3, 'tech_' || id, 'sim', id FROM unnest($1::text[]) AS id
       ON CONFLICT (device_id) DO UPDATE SET secret_hash = EXCLUDED.secret_hash, status = 'active', tenant_id = EXCLUDED.tenant_id`,
      [ids, tenantId, hash],
    );
    return ids;
  } finally {
    await db.onApplicationShutdown();
  }
}
