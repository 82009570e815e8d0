// Raising and stopping the local stack. Each component is skipped when its URL is already given in the
// environment (your own Kafka / Redis / TimescaleDB), reused when it is already running, and reported with
// the end of its log when it had died.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { progress } from './progress';
import {
  ProcessSpec, logFile, portOpen, processState, startDetached, stopProcess, tailLog, waitUntilReady, forgetProcess,
} from './managed-process';
import { haPorts, haStackEnvFile, host, ports, stackEnvFile, wantsHa } from './stack.config';

export interface StackComponent {
  name: string;
  /** The variable the apps read; when it is set, the component is external and not started. */
  envVar: string;
  url(): string;
  /** What runs there, in a few words (the database's engine and versions), for status lines. */
  describe?(): Promise<string>;
  /** Further variables the apps need from this component (a shared secret), when the stack runs it. */
  env?(): Record<string, string>;
  ports(): number[];
  startTimeoutMs: number;
  /** Installs/fetches/formats whatever the first start needs; cheap when already done. */
  prepare(): Promise<void>;
  spec(): ProcessSpec;
  ready(): Promise<boolean>;
}

export type ComponentOutcome = 'external' | 'reused' | 'started' | 'restarted';

export interface RaisedStack {
  env: Record<string, string>;
  outcomes: Record<string, ComponentOutcome>;
  /** Components this call started (and so the caller may stop again). */
  started: string[];
}

/** Raises one component (reusing it if it runs); does not touch .data/stack.env. */
export async function raiseOne(component: StackComponent, env: NodeJS.ProcessEnv = {}): Promise<ComponentOutcome> {
  const p = progress(component.name);
  const given = env[component.envVar];
  if (given) {
    p.done(`using ${component.envVar}=${given} from the environment`);
    return 'external';
  }
  const state = processState(component.name);
  if (state.state === 'running') {
    await waitUntilReady(component.name, state.pid, () => component.ready(), {
      timeoutMs: component.startTimeoutMs,
      onWait: (ms) => p.update(`waiting for the running instance (pid ${state.pid}) … ${Math.round(ms / 1000)} s`),
    });
    const what = component.describe ? `${await component.describe().catch((e: Error) => e.message)}, ` : '';
    p.done(`already running (${what}pid ${state.pid}) at ${component.url()}`);
    return 'reused';
  }
  if (state.state === 'dead') {
    p.fail(`had died (pid ${state.pid}); restarting. Last lines of ${logFile(component.name)}:`);
    console.error(tailLog(component.name).replace(/^/gm, '      │ '));
    forgetProcess(component.name);
  }
  for (const port of component.ports()) {
    if (await portOpen(port, host)) {
      throw new Error(
        `${component.name}: port ${port} on ${host} is taken by a process the stack did not start. ` +
          `Stop it, or point ${component.envVar} at a ${component.name} you run yourself.`,
      );
    }
  }
  p.update('preparing …');
  await component.prepare();
  const started = Date.now();
  p.update('starting …');
  const pid = startDetached(component.spec());
  await waitUntilReady(component.name, pid, () => component.ready(), {
    timeoutMs: component.startTimeoutMs,
    onWait: (ms) => p.update(`starting (pid ${pid}) … ${Math.round(ms / 1000)} s`),
  });
  const what = component.describe ? `${await component.describe().catch((e: Error) => e.message)}, ` : '';
  p.done(`ready at ${component.url()} (${what}pid ${pid}, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return state.state === 'dead' ? 'restarted' : 'started';
}

export interface RaiseOptions {
  /** Where the URLs are written (the HA shape keeps its own beside the normal stack's). */
  envFile?: string;
  mqttPort?: number;
}

export async function raiseStack(components: StackComponent[], env: NodeJS.ProcessEnv = process.env, options: RaiseOptions = {}): Promise<RaisedStack> {
  // STACK_HA=1 raises the HA shape (stackComponents): its URLs must not overwrite the normal stack's
  const ha = wantsHa(env);
  const envFile = options.envFile ?? (ha ? haStackEnvFile : stackEnvFile);
  const mqttPort = options.mqttPort ?? (ha ? haPorts.mqtt : ports.mqtt);
  mkdirSync(dirname(envFile), { recursive: true });
  const results = await Promise.allSettled(components.map((c) => raiseOne(c, env)));
  const outcomes: Record<string, ComponentOutcome> = {};
  const failures: string[] = [];
  results.forEach((result, i) => {
    if (result.status === 'fulfilled') outcomes[components[i].name] = result.value;
    else failures.push(`${components[i].name}: ${(result.reason as Error).message}`);
  });
  const started = Object.keys(outcomes).filter((name) => outcomes[name] === 'started' || outcomes[name] === 'restarted');
  if (failures.length > 0) {
    // Leave nothing half-raised behind: stop what this call started, then explain.
    for (const name of started) await stopProcess(name);
    throw new Error(failures.join('\n\n'));
  }
  const stackEnv: Record<string, string> = {};
  for (const c of components) {
    stackEnv[c.envVar] = env[c.envVar] || c.url();
    if (!env[c.envVar]) Object.assign(stackEnv, c.env?.());
  }
  // The MQTT broker is not a stack process: it is embedded in apps/ingest, which listens here by default.
  stackEnv.MQTT_URL = env.MQTT_URL || `mqtt://${host}:${mqttPort}`;
  writeFileSync(
    envFile,
    `# Written by tools/stack (npm run stack:up). Removed by npm run stack:down.\n${Object.entries(stackEnv)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n')}\n`,
  );
  return { env: stackEnv, outcomes, started };
}

export async function stopComponents(names: string[]): Promise<void> {
  for (const name of [...names].reverse()) {
    const p = progress(name);
    const result = await stopProcess(name);
    p.done(result === 'not-running' ? 'was not running' : result === 'killed' ? 'killed after the grace period' : 'stopped');
  }
}

export function removeStackEnv(envFile = stackEnvFile): void {
  rmSync(envFile, { force: true });
}
