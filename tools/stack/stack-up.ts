// npm run stack:up — raises every infrastructure component whose URL is not already given in the
// environment, writes the URLs to .data/stack.env, prints them and exits, leaving them running.
import { ensureDevelopmentTls } from './development-tls';
import { raiseStack } from './stack-component';
import { stackComponents } from './stack';
import { stackEnvFile } from './stack.config';

async function main(): Promise<void> {
  const started = Date.now();
  console.log('Raising the local stack (Kafka, Redis, TimescaleDB) on 127.0.0.1 …');
  const stack = await raiseStack(await stackComponents());
  console.log(`\nStack ready in ${((Date.now() - started) / 1000).toFixed(1)} s. URLs (also in ${stackEnvFile}):`);
  for (const [k, v] of Object.entries(stack.env)) console.log(`  ${k}=${v}`);
  const tls = await ensureDevelopmentTls();
  console.log(`\nDevelopment TLS (${tls.made ? 'made now' : 'kept'}): ${tls.dir} — trust ${tls.caFile}; \`npm run up -- --tls\` serves every app over TLS`);
  console.log('\nStop it with: npm run stack:down');
}

main().catch((error: Error) => {
  console.error(`\nstack:up failed:\n${error.message}`);
  process.exit(1);
});
