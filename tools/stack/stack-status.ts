// npm run stack:status — which components run, which answer, and which died (with the end of their log).
// The HA shape's members are listed too when any of them was started (or with `-- --ha`).
import { logFile, processState, tailLog } from './managed-process';
import type { StackComponent } from './stack-component';
import { allComponents, allHaComponents } from './stack';
import { wantsHa } from './stack.config';

async function report(components: StackComponent[]): Promise<number> {
  let unhealthy = 0;
  for (const c of components) {
    const state = processState(c.name);
    if (state.state === 'absent') {
      console.log(`  ${c.name.padEnd(14)} not started by the stack`);
      continue;
    }
    if (state.state === 'dead') {
      unhealthy += 1;
      console.log(`  ${c.name.padEnd(14)} DIED (pid ${state.pid}); last lines of ${logFile(c.name)}:`);
      console.log(tailLog(c.name).replace(/^/gm, '      │ '));
      continue;
    }
    const ready = await c.ready().catch(() => false);
    if (!ready) unhealthy += 1;
    const what = ready && c.describe ? `: ${await c.describe().catch((e: Error) => e.message)}` : '';
    console.log(`  ${c.name.padEnd(14)} ${ready ? 'ready' : 'running but NOT answering'} (pid ${state.pid}) at ${c.url()}${what}`);
  }
  return unhealthy;
}

async function main(): Promise<void> {
  let unhealthy = await report(allComponents);
  if (wantsHa(process.env, process.argv.slice(2)) || allHaComponents.some((c) => processState(c.name).state !== 'absent')) {
    console.log('HA shape (npm run stack:up -- --ha):');
    unhealthy += await report(allHaComponents);
  }
  process.exit(unhealthy > 0 ? 1 : 0);
}

void main();
