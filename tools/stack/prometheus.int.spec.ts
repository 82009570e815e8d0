import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { prometheusBinaries } from './prometheus.component';
import { repoRoot } from './stack.config';

// The alert rules as Prometheus reads them: promtool (from Debian's prometheus, which the stack
// installs) checks their syntax, then plays deploy/prometheus/alerts.test.yml — each alert fires on
// the series that should wake someone, with the labels and text it will carry, and not before.

const { promtool } = prometheusBinaries();
const dir = join(repoRoot, 'deploy', 'prometheus');
const run = (...args: string[]) => spawnSync(promtool, args, { cwd: dir, encoding: 'utf8' });

it('promtool check rules: the alert rules parse', () => {
  const result = run('check', 'rules', 'alerts.yml');
  expect(result.stderr + result.stdout).toContain('SUCCESS: 9 rules found');
  expect(result.status).toBe(0);
});

it('promtool test rules: the alerts fire when they should, and only then', () => {
  const result = run('test', 'rules', 'alerts.test.yml');
  expect(result.stdout + result.stderr).toContain('SUCCESS');
  expect(result.status).toBe(0);
});
