import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { configKeys, type EnvClass, loadConfig } from '#libs/platform';
import { redisTarget } from '#libs/redis';
import { parseDatabaseUrl } from '#libs/timescale';
import { ApiEnv } from '../../apps/api/src/api.env';
import { IngestEnv } from '../../apps/ingest/src/ingest.env';
import { MediaEnv } from '../../apps/media/src/media.env';
import { ProjectorEnv } from '../../apps/projector/src/projector.env';
import { RealtimeEnv } from '../../apps/realtime/src/realtime.env';

// docker-compose.yml cannot run here (no Docker engine), so this keeps it honest: each app's
// environment must be exactly what its config schema accepts, and its wiring must match.

interface Service {
  command?: string[];
  entrypoint?: string[];
  secrets?: string[];
  environment?: Record<string, unknown> | string[];
  depends_on?: Record<string, unknown> | string[];
  ports?: string[];
  healthcheck?: { test?: string[] };
}

const apps: Record<string, { env: EnvClass<object>; infra: string[] }> = {
  api: { env: ApiEnv, infra: ['kafka', 'redis', 'timescaledb'] },
  ingest: { env: IngestEnv, infra: ['api', 'kafka', 'redis', 'timescaledb'] },
  projector: { env: ProjectorEnv, infra: ['kafka', 'redis', 'timescaledb'] },
  realtime: { env: RealtimeEnv, infra: ['api', 'kafka', 'redis'] },
  media: { env: MediaEnv, infra: ['api', 'kafka', 'redis'] },
};

/** What an operator must export before `docker compose up` (the file's ${VAR:?} entries). */
// What an operator must set before `docker compose up` (the file's ${VAR:?} variables).
const operatorEnv: Record<string, string> = { TURN_SECRET: 't'.repeat(24) };

function loadCompose(): { services: Record<string, Service> } {
  const text = readFileSync(path.join(__dirname, '..', '..', 'docker-compose.yml'), 'utf8');
  return parse(text, { merge: true }) as { services: Record<string, Service> };
}

/** Compose's ${VAR}, ${VAR:-default} and ${VAR:?error} interpolation. */
export function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_m, name: string, op?: string, arg = '') => {
    if (env[name] !== undefined && env[name] !== '') return env[name]!;
    if (op === '-') return arg;
    if (op === '?') throw new Error(`${name} must be set: ${arg}`);
    return '';
  });
}

export function environmentOf(service: Service, env = operatorEnv): Record<string, string> {
  const raw = service.environment ?? {};
  const entries = Array.isArray(raw) ? raw.map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]) : Object.entries(raw);
  return Object.fromEntries(entries.map(([k, v]) => [k, interpolate(String(v ?? ''), env)]));
}

/** Variables the compose file sets that the app does not read: typos and leftovers. */
export const unknownVariables = (env: Record<string, string>, envClass: EnvClass<object>) =>
  Object.keys(env).filter((k) => !configKeys(envClass).includes(k));

const compose = loadCompose();

describe.each(Object.keys(apps))('%s service', (name) => {
  const service = compose.services[name]!;
  const { env: envClass, infra } = apps[name]!;
  const env = environmentOf(service);

  it('exists and runs the app', () => {
    expect(service).toBeDefined();
    expect(service.command).toEqual(['node', `dist/apps/${name}/src/main.js`]);
  });

  it('sets only variables the app reads', () => {
    expect(unknownVariables(env, envClass)).toEqual([]);
  });

  it("passes the app's config validation", () => {
    expect(() => loadConfig(envClass, env, name)).not.toThrow();
  });

  it('publishes HTTP_PORT and health-checks /health/ready on it', () => {
    const port = env.HTTP_PORT;
    expect(service.ports).toContain(`${port}:${port}`);
    expect(service.healthcheck?.test?.join(' ')).toContain(`127.0.0.1:${port}/health/ready`);
  });

  it('waits for the infrastructure it uses, and that infrastructure is defined', () => {
    // the HA profile's brokers and Sentinels are optional dependencies (checked with the profile below)
    const dependsOn = (Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {})).filter((d) => !/^(kafka|redis-sentinel)-\d$/.test(d));
    expect([...dependsOn].sort()).toEqual(infra);
    for (const dependency of dependsOn) expect(compose.services[dependency]).toBeDefined();
  });
});

describe('access-token keys', () => {
  it('the signing key is mounted into the api alone; realtime and media fetch the public keys from it', () => {
    const holders = Object.entries(compose.services).filter(([, s]) => s.secrets?.includes('jwt_signing_key'));
    expect(holders.map(([name]) => name)).toEqual(['api']);
    expect(environmentOf(compose.services.api!).JWT_PRIVATE_KEY_FILE).toBe('/run/secrets/jwt_signing_key');
    const jwks = `http://api:${environmentOf(compose.services.api!).HTTP_PORT}/.well-known/jwks.json`;
    for (const name of ['realtime', 'media']) expect(environmentOf(compose.services[name]!)).toMatchObject({ JWKS_URL: jwks });
  });
});

describe('the checks catch mistakes', () => {
  const api = environmentOf(compose.services.api!);

  it('a missing required variable fails validation, naming it', () => {
    const { KAFKA_BROKERS: _dropped, ...withoutKafka } = api;
    expect(() => loadConfig(ApiEnv, withoutKafka, 'api')).toThrow(/KAFKA_BROKERS/);
  });

  it('a misspelt variable is reported as unknown', () => {
    expect(unknownVariables({ ...api, KAFKA_BROKER: 'kafka:9092' }, ApiEnv)).toEqual(['KAFKA_BROKER']);
  });

  it('an unset ${VAR:?} stops interpolation', () => {
    expect(() => environmentOf(compose.services.media!, {})).toThrow(/TURN_SECRET must be set/);
  });
});

describe('prometheus service', () => {
  const service = compose.services.prometheus as Service & { volumes?: string[] };
  const root = path.join(__dirname, '..', '..');

  it('mounts the repository’s config and alert rules', () => {
    expect(service.volumes).toEqual(expect.arrayContaining(['./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro', './deploy/prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro']));
  });

  it('scrapes every app at the HTTP_PORT its service sets, and loads the rules it mounts', () => {
    const config = parse(readFileSync(path.join(root, 'deploy', 'prometheus', 'prometheus.yml'), 'utf8')) as {
      rule_files: string[];
      scrape_configs: { metrics_path: string; static_configs: { targets: string[] }[] }[];
    };
    const targets = config.scrape_configs.flatMap((c) => c.static_configs.flatMap((s) => s.targets));
    expect(targets.sort()).toEqual(Object.keys(apps).map((name) => `${name}:${environmentOf(compose.services[name]!).HTTP_PORT}`).sort());
    expect(config.scrape_configs.every((c) => c.metrics_path === '/metrics')).toBe(true);
    expect(config.rule_files).toEqual(['/etc/prometheus/alerts.yml']);
  });
});

describe('the HA profile', () => {
  const members = ['kafka-1', 'kafka-2', 'kafka-3'];
  const haEnv = {
    ...operatorEnv,
    KAFKA_BROKERS: members.map((m) => `${m}:9092`).join(','),
    KAFKA_REPLICATION_FACTOR: '3',
    DATABASE_HOSTS: 'timescaledb:5432,timescaledb-standby:5432',
    POSTGRES_SYNCHRONOUS_STANDBY: 'timescaledb_standby',
    REDIS_URL: 'redis-sentinel://redis-sentinel-1:26379,redis-sentinel-2:26379,redis-sentinel-3:26379/fieldline',
    REDIS_WAIT_REPLICAS: '1',
  };
  const sentinels = ['redis-sentinel-1', 'redis-sentinel-2', 'redis-sentinel-3'];
  const brokerEnv = (name: string) => environmentOf(compose.services[name]!) as Record<string, string>;
  const profiles = (name: string) => (compose.services[name] as Service & { profiles?: string[] }).profiles;

  it('runs three Kafka brokers and three KRaft controllers apart, in one quorum of three', () => {
    const controllers = ['kafka-controller-1', 'kafka-controller-2', 'kafka-controller-3'];
    for (const name of [...members, ...controllers]) expect(profiles(name)).toEqual(['ha']);
    const voters = controllers.map((m, j) => `${101 + j}@${m}:9093`).join(',');
    const brokers = members.map(brokerEnv);
    expect(brokers.map((e) => e.KAFKA_NODE_ID)).toEqual(['1', '2', '3']);
    for (const [i, env] of brokers.entries()) {
      expect(env).toMatchObject({ KAFKA_PROCESS_ROLES: 'broker', KAFKA_LISTENERS: 'PLAINTEXT://:9092', KAFKA_CONTROLLER_QUORUM_VOTERS: voters });
      expect(env.KAFKA_ADVERTISED_LISTENERS).toBe(`PLAINTEXT://${members[i]}:9092`);
    }
    const quorum = controllers.map(brokerEnv);
    expect(quorum.map((e) => e.KAFKA_NODE_ID)).toEqual(['101', '102', '103']);
    for (const env of quorum) expect(env).toMatchObject({ KAFKA_PROCESS_ROLES: 'controller', KAFKA_LISTENERS: 'CONTROLLER://:9093', KAFKA_CONTROLLER_QUORUM_VOTERS: voters });
    const all = [...brokers, ...quorum];
    for (const env of all) expect(Buffer.from(env.CLUSTER_ID!, 'base64url')).toHaveLength(16); // what kafka-storage format takes
    expect(new Set(all.map((e) => e.CLUSTER_ID)).size).toBe(1);
    // a broker that dies is fenced after 1 s, as in the stack's HA shape the kill test measures
    for (const env of all) expect(env).toMatchObject({ KAFKA_BROKER_HEARTBEAT_INTERVAL_MS: '250', KAFKA_BROKER_SESSION_TIMEOUT_MS: '1000' });
    expect(new Set([...members, ...controllers].map((name) => JSON.stringify((compose.services[name] as Service & { volumes?: unknown }).volumes))).size).toBe(6);
  });

  it('keeps 3 copies of every topic, the internal ones too, and acknowledges writes on 2 of them', () => {
    for (const env of members.map(brokerEnv)) {
      expect(env).toMatchObject({
        KAFKA_DEFAULT_REPLICATION_FACTOR: '3',
        KAFKA_MIN_INSYNC_REPLICAS: '2',
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '3',
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '3',
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '2',
        KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
      });
    }
  });

  it.each(Object.keys(apps))('%s with the HA variables: passes validation, names the three brokers, waits for them when the profile is on', (name) => {
    const service = compose.services[name]!;
    const env = environmentOf(service, haEnv);
    expect(() => loadConfig(apps[name]!.env, env, name)).not.toThrow();
    expect(env.KAFKA_BROKERS!.split(',')).toEqual(members.map((m) => brokerEnv(m).KAFKA_ADVERTISED_LISTENERS!.replace('PLAINTEXT://', '')));
    expect(Number(env.KAFKA_REPLICATION_FACTOR)).toBe(members.length);
    const dependsOn = service.depends_on as Record<string, { required?: boolean }>;
    for (const m of members) expect(dependsOn[m]).toMatchObject({ condition: 'service_healthy', required: false });
  });

  it('runs a streaming standby of timescaledb, cloned through its slot, under the name timescaledb waits for on every commit', () => {
    const standby = compose.services['timescaledb-standby']!;
    expect(profiles('timescaledb-standby')).toEqual(['ha']);
    const script = [...(standby.entrypoint ?? []), ...(standby.command ?? [])].join(' ');
    expect(script).toContain('pg_basebackup -d "host=timescaledb user=postgres application_name=timescaledb_standby"');
    expect(script).toMatch(/-C -S timescaledb_standby -R/);
    expect(script).toContain('-c primary_slot_name=timescaledb_standby');
    expect(script).toContain('application_name=timescaledb_standby"');
    const primary = (compose.services.timescaledb!.command ?? []).map((arg) => interpolate(arg, haEnv));
    expect(primary).toContain('synchronous_standby_names=timescaledb_standby');
    // the default, one server: no standby named, so no commit waits for one
    expect((compose.services.timescaledb!.command ?? []).map((arg) => interpolate(arg, operatorEnv))).toContain('synchronous_standby_names=');
  });

  it.each(['api', 'ingest', 'projector'])('%s with the HA variables gets both database hosts and asks for the writable one', (name) => {
    const url = parseDatabaseUrl(environmentOf(compose.services[name]!, haEnv).DATABASE_URL!);
    expect(url.hosts.map((h) => `${h.host}:${h.port}`)).toEqual(['timescaledb:5432', 'timescaledb-standby:5432']);
    expect(url.targetSessionAttrs).toBe('read-write');
    for (const { host } of url.hosts) expect(compose.services[host]).toBeDefined();
    expect(parseDatabaseUrl(environmentOf(compose.services[name]!).DATABASE_URL!).hosts).toEqual([{ host: 'timescaledb', port: 5432 }]);
  });

  it('runs a replica of redis and three Sentinels that watch redis with a quorum of two', () => {
    expect(profiles('redis-replica')).toEqual(['ha']);
    expect((compose.services['redis-replica']!.command ?? []).join(' ')).toContain('--replicaof redis 6379');
    for (const name of sentinels) {
      expect(profiles(name)).toEqual(['ha']);
      const script = (compose.services[name]!.command ?? []).join(' ');
      expect(script).toContain("'sentinel monitor fieldline redis 6379 2'");
      expect(script).toContain('redis-server /data/sentinel.conf --sentinel');
    }
    expect(new Set(sentinels.map((name) => JSON.stringify((compose.services[name] as Service & { volumes?: unknown }).volumes))).size).toBe(sentinels.length);
  });

  it.each(Object.keys(apps))('%s with the HA variables asks the three Sentinels for the primary they watch, and waits for them when the profile is on', (name) => {
    const service = compose.services[name]!;
    const target = redisTarget(environmentOf(service, haEnv).REDIS_URL!);
    if (!('sentinel' in target)) throw new Error(`${name}: REDIS_URL names no Sentinels`);
    expect(target.sentinel.sentinels!.map((s) => `${s.host}:${s.port}`)).toEqual(sentinels.map((m) => `${m}:26379`));
    expect(target.sentinel.name).toBe('fieldline');
    const dependsOn = service.depends_on as Record<string, { required?: boolean }>;
    for (const m of sentinels) expect(dependsOn[m]).toMatchObject({ condition: 'service_healthy', required: false });
    expect(environmentOf(service).REDIS_URL).toBe('redis://redis:6379');
  });

  it('the projector waits for the Redis replica in the HA shape, for none without it', () => {
    expect(environmentOf(compose.services.projector!, haEnv).REDIS_WAIT_REPLICAS).toBe('1');
    expect(environmentOf(compose.services.projector!).REDIS_WAIT_REPLICAS).toBe('0');
  });

  it('without the HA variables the apps keep the one broker and one copy', () => {
    for (const name of Object.keys(apps)) expect(environmentOf(compose.services[name]!)).toMatchObject({ KAFKA_BROKERS: 'kafka:9092', KAFKA_REPLICATION_FACTOR: '1' });
  });
});
