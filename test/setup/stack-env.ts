// Integration and e2e tests talk to the real stack raised by `npm run stack:up` (or `npm test`).
// Its URLs live in .data/stack.env; variables already set in the environment win, so a CI job or a
// developer can point the suite at their own Kafka / Redis / TimescaleDB.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const file = join(__dirname, '..', '..', '.data', 'stack.env');
if (existsSync(file)) {
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match && process.env[match[1]] === undefined) process.env[match[1]] = match[2];
  }
}
for (const name of ['KAFKA_BROKERS', 'REDIS_URL', 'DATABASE_URL']) {
  if (!process.env[name]) {
    throw new Error(`${name} is not set and .data/stack.env has no value for it: run \`npm run stack:up\` first (or \`npm test\`, which does).`);
  }
}
