// The components of the local stack, in start order. MQTT is embedded in apps/ingest (aedes), so it is
// not a process here. TURN (coturn) relays calls for browsers that cannot reach the SFU directly;
// Prometheus scrapes the apps' /metrics and evaluates deploy/prometheus/alerts.yml. The
// database is one of two engines (database.component.ts): stackComponents() picks it.
//
// The HA shape (`npm run stack:up -- --ha`, STACK_HA=1) is a second list on its own ports and data
// (stack.config.ts: haPorts, .data/ha/), so it runs beside the normal stack: each clustered part adds
// its members to haComponents: three KRaft brokers, Redis primary + replica + three Sentinels, PostgreSQL
// primary + synchronous streaming standby (postgres-standby.component.ts).
import { join } from 'node:path';
import { chooseDatabase, databaseComponents, embeddedBenchComponent, embeddedDatabase, embeddedLaneComponent } from './database.component';
import { kafkaComponent, kafkaHaComponents } from './kafka.component';
import { ensurePostgres } from './postgres-server';
import { haPostgresPrimary, haPostgresStandby } from './postgres-standby.component';
import { prometheusComponent } from './prometheus.component';
import { redisComponent, redisHaComponents } from './redis.component';
import { turnComponent } from './turn.component';
import type { RaiseOptions, StackComponent } from './stack-component';
import { MissingToolError } from './system-packages';
import { haDataDir, haPorts, haStackEnvFile, ports, stackEnvFile, wantsHa } from './stack.config';

const haPostgres = haPostgresPrimary; // with its synchronous standby (postgres-standby.component.ts)
const haEmbedded = embeddedDatabase('embedded-db-ha', haPorts.timescale, join(haDataDir, 'timescale'));

/** The HA shape's members, in start order: add a clustered part's members here. */
export const haComponents = (database: StackComponent): StackComponent[] => [
  ...redisHaComponents,
  database,
  ...(database === haPostgres ? [haPostgresStandby] : []), // PostgreSQL's streaming standby; its URL (both hosts) is the one written
  ...kafkaHaComponents,
];

/** The HA shape's database: PostgreSQL when this machine runs it (STACK_DATABASE chooses as for the normal stack). */
function haDatabase(env: NodeJS.ProcessEnv): StackComponent {
  if (env.STACK_DATABASE === 'embedded') return haEmbedded;
  if (env.STACK_DATABASE === 'postgres') return haPostgres;
  try {
    ensurePostgres();
    return haPostgres;
  } catch (error) {
    if (error instanceof MissingToolError) return haEmbedded;
    throw error;
  }
}

/**
 * The components `stack:up`, `npm run up` and `npm test` raise, with the database engine chosen for
 * this environment; the HA shape's when STACK_HA=1 (or `--ha` in argv).
 */
export async function stackComponents(env: NodeJS.ProcessEnv = process.env, argv: string[] = []): Promise<StackComponent[]> {
  if (wantsHa(env, argv)) return haComponents(haDatabase(env));
  return [redisComponent, await chooseDatabase(env), kafkaComponent, turnComponent, prometheusComponent];
}

/** Where a shape's URLs are written, and the MQTT port its ingest listens on. */
export const stackRaiseOptions = (env: NodeJS.ProcessEnv = process.env, argv: string[] = []): Required<RaiseOptions> =>
  wantsHa(env, argv) ? { envFile: haStackEnvFile, mqttPort: haPorts.mqtt } : { envFile: stackEnvFile, mqttPort: ports.mqtt };

/** Every component the HA shape may have started, whichever engine. */
export const allHaComponents: StackComponent[] = [...haComponents(haPostgres), haEmbedded];

/**
 * Every component the stack may have started, whichever engine, and the side databases of the test
 * runner and the benches (an interrupted run leaves them up): what stack:down stops and status reports.
 */
export const allComponents: StackComponent[] = [redisComponent, ...databaseComponents, kafkaComponent, turnComponent, prometheusComponent, embeddedLaneComponent, embeddedBenchComponent];
