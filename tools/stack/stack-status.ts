// npm run stack:status — which components run, which answer, and which died (with the end of their log).
import { logFile, processState, tailLog } from './managed-process';
import { allComponents } from './stack';

async function main(): Promise<void> {
  let unhealthy = 0;
  for (const c of allComponents) {
    const state = processState(c.name);
    if (state.state === 'absent') {
      console.log(`  ${c.name.padEnd(10)} not started by the stack`);
      continue;
    }
    if (state.state === 'dead') {
      unhealthy += 1;
      console.log(`  ${c.name.padEnd(10)} DIED (pid ${state.pid}); last lines of ${logFile(c.name)}:`);
      console.log(tailLog(c.name).replace(/^/gm, '      │ '));
      continue;
    }
    const ready = await c.ready().catch(() => false);
    if (!ready) unhealthy += 1;
    const what = ready && c.describe ? `: ${await c.describe().catch((e: Error) => e.message)}` : '';
    console.log(`  ${c.name.padEnd(10)} ${ready ? 'ready' : 'running but NOT answering'} (pid ${state.pid}) at ${c.url()}${what}`);
  }
  process.exit(unhealthy > 0 ? 1 : 0);
}

void main();
