import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// In a plain Node process (Jest's module registry has no require.cache to swap an export in).
function loggerIn(debugEnv: string | undefined): { calls: string; enabled: boolean; output: string } {
  const script = `
    require(${JSON.stringify(join(__dirname, 'quiet-debug.ts'))});
    const { dirname } = require('node:path');
    const debug = require(require.resolve('debug', { paths: [dirname(require.resolve('mqtt-packet'))] }));
    const log = debug('mqtt-packet:parser');
    log('parsed %s', 'a packet');
    process.stdout.write(JSON.stringify({ calls: String(log).includes('...args') ? 'real' : 'no-op', enabled: log.enabled }));
  `;
  const env: NodeJS.ProcessEnv = { ...process.env, DEBUG_COLORS: 'no' };
  if (debugEnv === undefined) delete env.DEBUG;
  else env.DEBUG = debugEnv;
  const run = spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], { env, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(run.stderr);
  return { ...(JSON.parse(run.stdout) as { calls: string; enabled: boolean }), output: run.stderr };
}

it('makes loggers of namespaces DEBUG does not enable no-ops', () => {
  expect(loggerIn(undefined)).toEqual({ calls: 'no-op', enabled: false, output: '' });
});

it('keeps the real logger where DEBUG enables it', () => {
  const logger = loggerIn('mqtt-packet:*');
  expect(logger).toMatchObject({ calls: 'real', enabled: true });
  expect(logger.output).toContain('mqtt-packet:parser parsed a packet');
});
