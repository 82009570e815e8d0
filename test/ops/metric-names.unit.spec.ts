import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Metrics } from '#libs/platform';

// Every metric an alert rule or a dashboard panel reads is one some app exports: a renamed metric
// must not leave an alert that can never fire or a panel that stays empty.

const root = path.join(__dirname, '..', '..');
const rules = readFileSync(path.join(root, 'deploy', 'prometheus', 'alerts.yml'), 'utf8');
const dashboard = JSON.parse(readFileSync(path.join(root, 'deploy', 'grafana', 'fieldline.json'), 'utf8')) as { panels: { targets?: { expr: string }[] }[] };

/** The metric names the apps declare (`name: 'fieldline_…'` in their sources). */
function declared(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) {
        for (const match of readFileSync(full, 'utf8').matchAll(/name: '(fieldline_[a-z0-9_]+)'/g)) names.add(match[1]!);
      }
    }
  };
  walk(path.join(root, 'apps'));
  walk(path.join(root, 'libs'));
  return names;
}

/** prom-client's runtime series, as it names them on this Node. */
async function runtimeNames(): Promise<Set<string>> {
  const metrics = new Metrics('names');
  return new Set((await metrics.registry.getMetricsAsJSON()).map((m) => m.name));
}

/** Metric names in PromQL: identifiers followed by `{`, `[` or a space/`)` that are not functions, keywords or labels. */
function namesIn(expr: string): string[] {
  const withoutStrings = expr.replace(/"[^"]*"/g, '""').replace(/\{[^}]*\}/g, '{}');
  const candidates = withoutStrings.match(/[a-zA-Z_:][a-zA-Z0-9_:]*(?=\s*[{[)\s]|$)/g) ?? [];
  const grouping = new Set([...withoutStrings.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)].flatMap((m) => m[1]!.split(',').map((l) => l.trim())));
  const promql = new Set(['sum', 'max', 'min', 'avg', 'rate', 'increase', 'deriv', 'histogram_quantile', 'by', 'without', 'and', 'or', 'unless', 'le']);
  return candidates.filter((c) => !promql.has(c) && !grouping.has(c) && !/^\d/.test(c));
}

const baseName = (name: string) => name.replace(/_(bucket|sum|count)$/, '');

it('every metric the alert rules and the dashboard read is exported by an app', async () => {
  const exported = new Set([...declared(), ...(await runtimeNames()), 'up']);
  const ruleExprs = [...rules.matchAll(/^\s+expr: (.+)$/gm)].map((m) => m[1]!);
  const panelExprs = dashboard.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr);
  expect(ruleExprs.length).toBeGreaterThanOrEqual(9);
  expect(panelExprs.length).toBeGreaterThanOrEqual(25);
  const used = new Set([...ruleExprs, ...panelExprs].flatMap(namesIn));
  expect(used.size).toBeGreaterThan(20);
  const missing = [...used].filter((name) => !exported.has(name) && !exported.has(baseName(name)));
  expect(missing).toEqual([]);
});

it('finds a metric no app exports (the check itself can fail)', () => {
  expect(namesIn('sum by (group) (rate(fieldline_no_such_thing_total{app="x"}[5m])) > 1')).toEqual(['fieldline_no_such_thing_total']);
});
