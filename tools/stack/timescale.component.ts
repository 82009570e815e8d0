// The embedded TimescaleDB (PGlite + timescaledb over the Postgres wire protocol), used when
// DATABASE_URL is not given. See embedded-timescale.server.ts for the server itself.
import { join } from 'node:path';
import { Client } from 'pg';
import type { StackComponent } from './stack-component';
import { dataDir, host, ports, repoRoot } from './stack.config';

const url = (): string => `postgres://postgres:postgres@${host}:${ports.timescale}/postgres`;

export const timescaleComponent: StackComponent = {
  name: 'timescale',
  envVar: 'DATABASE_URL',
  url,
  ports: () => [ports.timescale],
  startTimeoutMs: 60_000,

  async prepare() {
    /* nothing to fetch: PGlite and the extension come with npm install */
  },

  spec() {
    return {
      name: 'timescale',
      command: process.execPath,
      args: [
        '--import', 'tsx',
        join(repoRoot, 'tools', 'stack', 'embedded-timescale.server.ts'),
        '--data', join(dataDir, 'timescale'),
        '--host', host,
        '--port', String(ports.timescale),
      ],
      cwd: repoRoot,
    };
  },

  async ready() {
    const client = new Client({ connectionString: url(), connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      const { rows } = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_extension WHERE extname = 'timescaledb'");
      return rows[0]?.n === 1;
    } finally {
      await client.end().catch(() => undefined);
    }
  },
};
