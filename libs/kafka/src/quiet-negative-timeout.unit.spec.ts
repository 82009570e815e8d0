import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// A process that loads libs/kafka prints no TimeoutNegativeWarning (kafkajs's, on Node 22+), and still
// prints every other warning. (Without the NODE_OPTIONS that tools/bootstrap.sh sets for the tools.)
const { NODE_OPTIONS: _toolsOnly, ...env } = process.env;
const run = (withFilter: boolean) =>
  spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', `${withFilter ? `require(${JSON.stringify(join(__dirname, 'quiet-negative-timeout.ts'))});` : ''} setTimeout(() => {}, -5); process.emitWarning('kept', 'OtherWarning');`], { encoding: 'utf8', env }).stderr;

it('drops the negative-timeout warning only', () => {
  const without = run(false);
  const withIt = run(true);
  if (Number(process.versions.node.split('.')[0]) >= 22) expect(without).toContain('TimeoutNegativeWarning'); // the control: Node does warn
  expect(withIt).not.toContain('TimeoutNegativeWarning');
  expect(withIt).toContain('OtherWarning: kept');
});
