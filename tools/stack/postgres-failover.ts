// npm run stack:promote — the HA shape's PostgreSQL standby becomes the primary (pg_promote); what an
// operator (or a failover manager) does once the primary is gone. The apps, given both hosts in
// DATABASE_URL, find it by themselves.
// npm run stack:switch-back — after a promotion, primary on its port and a synchronous standby again
// (postgres-standby.component.ts switchBack), nothing committed lost.
import { haPorts } from './stack.config';
import { promoteStandby, switchBack } from './postgres-standby.component';

async function main(command: string | undefined): Promise<void> {
  const started = Date.now();
  if (command === 'promote') {
    await promoteStandby();
    console.log(`The standby on port ${haPorts.timescaleStandby} is the primary now (${Date.now() - started} ms). Once the old primary is gone for good: npm run stack:switch-back`);
  } else if (command === 'switch-back') {
    await switchBack((line) => console.log(`  ${line}`));
    console.log(`Primary on port ${haPorts.timescale}, synchronous standby on port ${haPorts.timescaleStandby} again (${((Date.now() - started) / 1000).toFixed(1)} s).`);
  } else {
    throw new Error('usage: postgres-failover.ts promote | switch-back');
  }
}

main(process.argv.slice(2).find((a) => !a.startsWith('--'))).catch((error: Error) => {
  console.error(`failed: ${error.message}`);
  process.exit(1);
});
