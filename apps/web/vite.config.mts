import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The dashboard and the technician view: one static bundle, served by apps/api under /app/.
// Nothing is fetched from a CDN: every module is bundled, the map is drawn from our own data.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/app/',
  resolve: { alias: { '#libs/realtime-client': fileURLToPath(new URL('../../libs/realtime-client/src/index.ts', import.meta.url)) } },
  build: { outDir: fileURLToPath(new URL('../../dist/web', import.meta.url)), emptyOutDir: true, sourcemap: true },
  logLevel: 'warn',
});
