// The components of the local stack, in start order. MQTT is embedded in apps/ingest (aedes), so it is
// not a process here. TURN (coturn) relays calls for browsers that cannot reach the SFU directly;
// Prometheus scrapes the apps' /metrics and evaluates deploy/prometheus/alerts.yml. The
// database is one of two engines (database.component.ts): stackComponents() picks it.
import { chooseDatabase, databaseComponents, embeddedBenchComponent, embeddedLaneComponent } from './database.component';
import { kafkaComponent } from './kafka.component';
import { prometheusComponent } from './prometheus.component';
import { redisComponent } from './redis.component';
import { turnComponent } from './turn.component';
import type { StackComponent } from './stack-component';

/** The components `stack:up`, `npm run up` and `npm test` raise, with the database engine chosen for this environment. */
export async function stackComponents(env: NodeJS.ProcessEnv = process.env): Promise<StackComponent[]> {
  return [redisComponent, await chooseDatabase(env), kafkaComponent, turnComponent, prometheusComponent];
}

/**
 * Every component the stack may have started, whichever engine, and the side databases of the test
 * runner and the benches (an interrupted run leaves them up): what stack:down stops and status reports.
 */
export const allComponents: StackComponent[] = [redisComponent, ...databaseComponents, kafkaComponent, turnComponent, prometheusComponent, embeddedLaneComponent, embeddedBenchComponent];
