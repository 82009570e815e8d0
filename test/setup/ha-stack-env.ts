// The HA lane's tests run against the HA shape (`npm run stack:up -- --ha`, or `npm test`'s HA lane),
// never against the normal stack: its URLs come from .data/ha/stack.env (the environment wins), and a
// KAFKA_BROKERS that is not a cluster of three fails here rather than as a puzzling test failure.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const file = join(__dirname, '..', '..', '.data', 'ha', 'stack.env');
if (existsSync(file)) {
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match && process.env[match[1]] === undefined) process.env[match[1]] = match[2];
  }
}
const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
if (brokers.length < 3 || process.env.KAFKA_REPLICATION_FACTOR !== '3' || !process.env.REDIS_URL || !process.env.DATABASE_URL) {
  throw new Error(
    `the HA tests need the HA stack (three brokers, KAFKA_REPLICATION_FACTOR=3); got KAFKA_BROKERS=${process.env.KAFKA_BROKERS ?? ''}, ` +
      `KAFKA_REPLICATION_FACTOR=${process.env.KAFKA_REPLICATION_FACTOR ?? ''}: run \`npm run stack:up -- --ha\` first (or \`npm test\`, whose HA lane does).`,
  );
}
