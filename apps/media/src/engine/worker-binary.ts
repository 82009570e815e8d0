import { readSha256Sums, sha256File } from '#libs/platform';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { version as mediasoupVersion } from 'mediasoup';

/** The mediasoup-worker this app spawns, where it came from; or why there is none. */
export type WorkerBinary = { path: string; source: 'env' | 'shared' | 'package' } | { reason: string };

export interface WorkerBinarySearch {
  /** MEDIASOUP_WORKER_BIN: an operator's choice wins, and is not second-guessed. */
  envBin?: string;
  /** Where prebuilt workers for machines without internet live, with their SHA256SUMS (../shared/mediasoup beside the repository). */
  sharedDir?: string;
  /** The installed mediasoup's version: a worker must match it exactly (both sides speak the same FlatBuffers schema). */
  version?: string;
  /** The worker mediasoup's own install fetched or built (node_modules/mediasoup/worker/out/Release). */
  packageBin?: string;
}

const mediasoupDir = (): string => join(dirname(require.resolve('mediasoup')), '..', '..'); // node/lib/index.js

/** ../shared/mediasoup beside the repository that holds node_modules/mediasoup. */
export const defaultSharedDir = (): string => join(mediasoupDir(), '..', '..', '..', 'shared', 'mediasoup');

/** Where mediasoup's own install puts the worker it downloads or builds. */
export const defaultPackageBin = (): string => join(mediasoupDir(), 'worker', 'out', 'Release', 'mediasoup-worker');

/**
 * MEDIASOUP_WORKER_BIN when set; else the shared worker of the installed mediasoup version when present
 * and its checksum matches SHA256SUMS; else the worker of mediasoup's own install (production and any
 * machine with internet). None of them: the reason names each place looked at.
 */
export function findWorkerBinary(search: WorkerBinarySearch = {}): WorkerBinary {
  const { envBin, sharedDir = defaultSharedDir(), version = mediasoupVersion, packageBin = defaultPackageBin() } = search;
  if (envBin) return existsSync(envBin) ? { path: envBin, source: 'env' } : { reason: `MEDIASOUP_WORKER_BIN=${envBin} does not exist: point it at a built mediasoup-worker ${version}, or unset it` };

  const name = `mediasoup-worker-${version}-linux-x64`;
  const shared = join(sharedDir, name);
  let sharedProblem = `no ${shared}`;
  if (existsSync(shared)) {
    const expected = readSha256Sums(join(sharedDir, 'SHA256SUMS'))?.get(name);
    const actual = sha256File(shared); // 8 MB, once at start
    if (expected === actual) return { path: shared, source: 'shared' };
    sharedProblem = expected ? `${shared} does not match its SHA256SUMS line (${actual})` : `${name} is not listed in ${join(sharedDir, 'SHA256SUMS')}`;
  }
  if (existsSync(packageBin)) return { path: packageBin, source: 'package' };
  return {
    reason:
      `no mediasoup worker ${version}: MEDIASOUP_WORKER_BIN is unset, ${sharedProblem}, and mediasoup's install has none at ${packageBin} ` +
      '(its postinstall downloads or builds one, which needs internet access). Set MEDIASOUP_WORKER_BIN to a built mediasoup-worker.',
  };
}
