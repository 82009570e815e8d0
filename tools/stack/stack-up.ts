// npm run stack:up — raises every infrastructure component whose URL is not already given in the
// environment, writes the URLs to .data/stack.env, prints them and exits, leaving them running.
// `npm run stack:up -- --ha` (or STACK_HA=1): the HA shape, beside it (.data/ha/stack.env).
import { ensureDevelopmentTls } from './development-tls';
import { raiseStack } from './stack-component';
import { stackComponents, stackRaiseOptions } from './stack';
import { wantsHa } from './stack.config';

async function main(): Promise<void> {
  const started = Date.now();
  const argv = process.argv.slice(2);
  const ha = wantsHa(process.env, argv);
  console.log(ha ? 'Raising the HA stack (three Kafka brokers, Redis, TimescaleDB) on 127.0.0.1, beside the normal one …' : 'Raising the local stack (Kafka, Redis, TimescaleDB) on 127.0.0.1 …');
  const options = stackRaiseOptions(process.env, argv);
  const stack = await raiseStack(await stackComponents(process.env, argv), process.env, options);
  console.log(`\nStack ready in ${((Date.now() - started) / 1000).toFixed(1)} s. URLs (also in ${options.envFile}):`);
  for (const [k, v] of Object.entries(stack.env)) console.log(`  ${k}=${v}`);
  const tls = await ensureDevelopmentTls();
  console.log(`\nDevelopment TLS (${tls.made ? 'made now' : 'kept'}): ${tls.dir} — trust ${tls.caFile}; \`npm run up -- --tls\` serves every app over TLS`);
  console.log(`\nStop it with: npm run stack:down${ha ? ' -- --ha' : ''}`);
}

main().catch((error: Error) => {
  console.error(`\nstack:up failed:\n${error.message}`);
  process.exit(1);
});
