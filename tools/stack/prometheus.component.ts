// Debian's Prometheus scraping the apps' /metrics, with the alert rules of deploy/prometheus/alerts.yml.
// Targets come from files (file service discovery): `npm run up` writes the apps it runs to
// .data/prometheus/targets/up.json, a test writes its own; Prometheus re-reads them every few seconds.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { portOpen } from './managed-process';
import type { StackComponent } from './stack-component';
import { ensureBinaries } from './system-packages';
import { dataDir, host, ports, repoRoot } from './stack.config';

let prometheus = 'prometheus';
const home = join(dataDir, 'prometheus');
export const prometheusTargetsDir = join(home, 'targets');
export const alertRulesFile = join(repoRoot, 'deploy', 'prometheus', 'alerts.yml');

/** A scrape target group: Prometheus' file_sd format. */
export interface ScrapeTargets {
  targets: string[];
  labels?: Record<string, string>;
}

/** Points Prometheus at apps (host:port each) under `name`; a later write of the same name replaces it. */
export function writeScrapeTargets(name: string, groups: ScrapeTargets[]): string {
  mkdirSync(prometheusTargetsDir, { recursive: true });
  const file = join(prometheusTargetsDir, `${name}.json`);
  writeFileSync(file, JSON.stringify(groups, null, 2));
  return file;
}

/** The binaries of Debian's prometheus package: the server and promtool (which checks rule files). */
export function prometheusBinaries(): { prometheus: string; promtool: string } {
  const found = ensureBinaries([
    { binary: 'prometheus', debianPackage: 'prometheus', why: 'metrics: scrapes the apps and evaluates the alert rules' },
    { binary: 'promtool', debianPackage: 'prometheus', why: 'checks the alert rules' },
  ]);
  return { prometheus: found.prometheus, promtool: found.promtool };
}

function config(): string {
  // 5 s: a short local run shows up at once; production scrapes every 15–30 s (deploy/prometheus)
  return `global:
  scrape_interval: 5s
  evaluation_interval: 5s
rule_files:
  - ${JSON.stringify(alertRulesFile)}
scrape_configs:
  - job_name: fieldline
    metrics_path: /metrics
    file_sd_configs:
      - files: [${JSON.stringify(join(prometheusTargetsDir, '*.json'))}]
        refresh_interval: 5s
`;
}

export const prometheusComponent: StackComponent = {
  name: 'prometheus',
  envVar: 'PROMETHEUS_URL',
  url: () => `http://${host}:${ports.prometheus}`,
  ports: () => [ports.prometheus],
  startTimeoutMs: 30_000,

  async prepare() {
    prometheus = prometheusBinaries().prometheus;
    mkdirSync(prometheusTargetsDir, { recursive: true });
    writeFileSync(join(home, 'prometheus.yml'), config());
  },

  spec() {
    return {
      name: 'prometheus',
      command: prometheus,
      args: [
        `--config.file=${join(home, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(home, 'data')}`,
        '--storage.tsdb.retention.time=2d',
        `--web.listen-address=${host}:${ports.prometheus}`,
        '--web.enable-lifecycle', // POST /-/reload after editing the rules
      ],
    };
  },

  ready: async () => (await portOpen(ports.prometheus, host)) && (await fetch(`http://${host}:${ports.prometheus}/-/ready`).then((r) => r.ok, () => false)),
};
