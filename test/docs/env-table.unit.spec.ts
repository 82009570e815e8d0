import { readFileSync } from 'node:fs';
import path from 'node:path';
import { configKeys, type EnvClass } from '#libs/platform';
import { ApiEnv } from '../../apps/api/src/api.env';
import { IngestEnv } from '../../apps/ingest/src/ingest.env';
import { MediaEnv } from '../../apps/media/src/media.env';
import { ProjectorEnv } from '../../apps/projector/src/projector.env';
import { RealtimeEnv } from '../../apps/realtime/src/realtime.env';

// The environment table (docs/configuration.md) is the operator's reference: it must list exactly what the apps read.

const apps: Record<string, EnvClass<object>> = {
  api: ApiEnv,
  ingest: IngestEnv,
  projector: ProjectorEnv,
  realtime: RealtimeEnv,
  media: MediaEnv,
};

function documentedTable(): Map<string, string[]> {
  const doc = readFileSync(path.join(__dirname, '..', '..', 'docs', 'configuration.md'), 'utf8');
  const section = /<!-- env-table -->([\s\S]*?)<!-- \/env-table -->/.exec(doc)?.[1] ?? '';
  const rows = new Map<string, string[]>();
  for (const match of section.matchAll(/^\| `([A-Z0-9_]+)` \| ([^|]+) \|/gm)) {
    const listed = match[2]!.trim();
    rows.set(match[1]!, listed === 'all' ? Object.keys(apps) : listed.split(/,\s*/));
  }
  return rows;
}

it('lists every variable with exactly the apps that read it', () => {
  const fromCode = new Map<string, string[]>();
  for (const [app, env] of Object.entries(apps)) for (const key of configKeys(env)) fromCode.set(key, [...(fromCode.get(key) ?? []), app]);
  const table = documentedTable();
  expect(table.size).toBeGreaterThan(0);
  expect(Object.fromEntries([...table].map(([k, v]) => [k, [...v].sort()]).sort())).toEqual(
    Object.fromEntries([...fromCode].map(([k, v]) => [k, [...v].sort()]).sort()),
  );
});
