import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findWorkerBinary } from './worker-binary';

// Which mediasoup-worker the media app spawns: the operator's, else the shared one of this exact version
// (checksum checked), else mediasoup's own; and a reason naming every place looked at when none fits.

const dir = mkdtempSync(join(tmpdir(), 'worker-binary-'));
const file = (name: string, content: string) => {
  writeFileSync(join(dir, name), content);
  chmodSync(join(dir, name), 0o755);
  return join(dir, name);
};
const sha = (content: string) => createHash('sha256').update(content).digest('hex');
const shared = file('mediasoup-worker-9.9.9-linux-x64', 'worker 9.9.9');
file('mediasoup-worker-9.9.8-linux-x64', 'tampered');
writeFileSync(join(dir, 'SHA256SUMS'), `${sha('worker 9.9.9')}  mediasoup-worker-9.9.9-linux-x64\n${sha('worker 9.9.8')}  mediasoup-worker-9.9.8-linux-x64\n`);
const packageBin = file('package-worker', 'from the npm install');
const missing = join(dir, 'nothing-here');

it('takes MEDIASOUP_WORKER_BIN first, and says so when it points nowhere', () => {
  expect(findWorkerBinary({ envBin: packageBin, sharedDir: dir, version: '9.9.9', packageBin })).toEqual({ path: packageBin, source: 'env' });
  expect(findWorkerBinary({ envBin: missing, sharedDir: dir, version: '9.9.9', packageBin })).toEqual({ reason: expect.stringContaining(`MEDIASOUP_WORKER_BIN=${missing} does not exist`) });
});

it('takes the shared worker of the installed version when its checksum matches', () => {
  expect(findWorkerBinary({ sharedDir: dir, version: '9.9.9', packageBin })).toEqual({ path: shared, source: 'shared' });
});

it('passes over a shared worker that does not match its checksum, or of another version, for mediasoup’s own', () => {
  expect(findWorkerBinary({ sharedDir: dir, version: '9.9.8', packageBin })).toEqual({ path: packageBin, source: 'package' });
  expect(findWorkerBinary({ sharedDir: dir, version: '9.9.7', packageBin })).toEqual({ path: packageBin, source: 'package' });
});

it('names every place it looked when there is no worker', () => {
  const none = findWorkerBinary({ sharedDir: dir, version: '9.9.8', packageBin: missing });
  expect(none).toEqual({ reason: expect.stringMatching(/MEDIASOUP_WORKER_BIN is unset.*does not match its SHA256SUMS.*mediasoup's install has none/) });
});

it('finds the real worker of the installed mediasoup on these machines (../shared/mediasoup)', () => {
  const found = findWorkerBinary();
  if (!('source' in found)) console.warn(`no mediasoup worker on this machine: ${found.reason}`);
  expect(found).toMatchObject({ source: expect.stringMatching(/shared|package/) });
});
