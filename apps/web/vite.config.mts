import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The dashboard and the technician view: one static bundle, served by apps/api under /app/.
// Nothing is fetched from a CDN: every module is bundled. MapLibre GL (the map) is a chunk of its own,
// loaded only where a map is shown, with its worker beside it; it alone is past Vite's 500 kB warning.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/app/',
  resolve: { alias: { '#libs/realtime-client': fileURLToPath(new URL('../../libs/realtime-client/src/index.ts', import.meta.url)) } },
  build: { outDir: fileURLToPath(new URL('../../dist/web', import.meta.url)), emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1_200 },
  logLevel: 'warn',
});
