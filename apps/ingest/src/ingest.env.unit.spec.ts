import { ConfigError, loadConfig } from '#libs/platform';
import { IngestEnv } from './ingest.env';

const required = { HTTP_PORT: '3001', KAFKA_BROKERS: 'localhost:9092', REDIS_URL: 'redis://localhost:6379', DATABASE_URL: 'postgres://u:p@localhost:5432/db' };
const load = (env: Record<string, string>) => loadConfig(IngestEnv, { ...required, ...env }, 'ingest');

it('runs several processes only with the sessions in Redis (with memory each would hold its own)', () => {
  expect(load({ INGEST_PROCESSES: '4' })).toMatchObject({ INGEST_PROCESSES: 4, MQTT_SESSIONS: 'redis' });
  expect(() => load({ INGEST_PROCESSES: '4', MQTT_SESSIONS: 'memory' })).toThrow(ConfigError);
  expect(load({ INGEST_PROCESSES: '1', MQTT_SESSIONS: 'memory' })).toMatchObject({ INGEST_PROCESSES: 1, MQTT_SESSIONS: 'memory' });
  expect(load({ INGEST_PROCESSES: '4', MQTT_SESSIONS: 'memory', MQTT_MODE: 'external', MQTT_EXTERNAL_URL: 'mqtt://broker:1883' })).toMatchObject({ INGEST_PROCESSES: 4 });
});
