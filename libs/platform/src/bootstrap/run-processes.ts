import cluster, { type Worker } from 'node:cluster';
import { hostname } from 'node:os';
import type { BaseEnv } from '../config/base.env';
import { CONFIG_ERROR_EXIT_CODE, loadConfig } from '../config/load-config';
import { createLogger } from '../logging/pino-logger.service';
import { type AppDefinition, runApp, SHUTDOWN_TIMEOUT_MS } from './bootstrap-app';

export interface ProcessesDefinition<Env extends BaseEnv> extends AppDefinition<Env> {
  /** How many processes the config asks for; 1 runs the app in this process. */
  processes: (config: Env) => number;
  /** The variable each process finds its place in (0 … N-1), so its name can stay the same across restarts. */
  indexVariable: string;
}

/**
 * The name of one instance of an app: `configured` plus, for a process of runAppProcesses, its index
 * (so it stays the same across that process' restarts); without a configured name, host and pid.
 */
export const instanceName = (configured: string | undefined, index: number | undefined): string =>
  configured ? `${configured}${index === undefined ? '' : `-${index}`}` : `${hostname()}-${process.pid}`;

/**
 * `runApp` in N processes on one machine that share its listening ports, with Node's cluster module:
 * this process (the primary) accepts each connection and hands it to the next worker in turn, then
 * is out of its way. Chosen over SO_REUSEPORT (`reusePort`, Node ≥ 22.12 on Linux): every port a
 * worker opens is shared without each listener knowing (MQTT, WebSocket, TLS, HTTP), connections are
 * spread evenly rather than by a hash of their addresses, a worker that dies loses no connection
 * waiting in its accept queue, and the one command keeps a supervisor that restarts a worker.
 */
export function runAppProcesses<Env extends BaseEnv>(definition: ProcessesDefinition<Env>): void {
  let processes = 1;
  if (cluster.isPrimary) {
    try {
      processes = definition.processes(loadConfig(definition.env, process.env, definition.name));
    } catch {
      // runApp reports the invalid configuration as it always does
    }
  }
  if (processes <= 1) return runApp(definition);
  const logger = createLogger(definition.name);
  cluster.schedulingPolicy = cluster.SCHED_RR; // Linux's default already; stated, since it is the point
  const workers = new Map<number, Worker>();
  const failures = new Array<number>(processes).fill(0);
  let stopping = false;
  let exitCode = 0;

  const stop = (signal: NodeJS.Signals, code = 0) => {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    logger.info({ event: 'app.stopping', signal, processes: workers.size }, `${definition.name} stopping its processes (${signal})`);
    for (const worker of workers.values()) worker.process.kill('SIGTERM');
    if (workers.size === 0) process.exit(exitCode);
    setTimeout(() => {
      for (const worker of workers.values()) worker.process.kill('SIGKILL');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS + 5_000).unref();
  };

  const start = (index: number) => {
    const worker = cluster.fork({ [definition.indexVariable]: String(index) });
    const started = Date.now();
    workers.set(index, worker);
    worker.on('exit', (code, signal) => {
      workers.delete(index);
      if (stopping) {
        if (workers.size === 0) process.exit(exitCode);
        return;
      }
      if (code === CONFIG_ERROR_EXIT_CODE) return stop('SIGTERM', CONFIG_ERROR_EXIT_CODE); // restarting will not fix it
      // one that ran a minute is restarted at once; one that keeps failing after 1, 2, 4 … 30 s
      failures[index] = Date.now() - started > 60_000 ? 0 : failures[index]! + 1;
      const delayMs = failures[index] === 0 ? 0 : Math.min(30_000, 1_000 * 2 ** (failures[index]! - 1));
      logger.error({ event: 'process.exited', index, pid: worker.process.pid, code, signal, restartInMs: delayMs }, `${definition.name} process ${index} exited; restarting it`);
      setTimeout(() => stopping || start(index), delayMs);
    });
  };

  for (let index = 0; index < processes; index++) start(index);
  logger.info({ event: 'app.processes', processes, pid: process.pid }, `${definition.name}: ${processes} processes sharing the listening ports`);
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
