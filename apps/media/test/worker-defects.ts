import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { findWorkerBinary } from '../src/engine/worker-binary';

/**
 * Worker builds that die as soon as a browser connects: the DTLS handshake crashes the worker with
 * SIGSEGV right after "SSLv3/TLS read client hello" (its core dump shows OpenSSL writing the first
 * server flight into a NULL record buffer). Found with the call browser tests; every step before DTLS
 * (ICE included) works, and the engine tests, which use no DTLS, pass. Keyed by SHA-256.
 */
const DTLS_DEFECTIVE: Record<string, string> = {
  '626c60e38395a52ad71175ea9dd02a52bd60b42007bd3f725574461d5f9b1e8f': 'mediasoup-worker-3.27.1-linux-x64 of ../shared/mediasoup',
  '1d5b3ba87fb82144152dd4963a6820a9f56f4c8bb5c94178887c9ac05818e4d4': 'mediasoup-worker-3.19.3-linux-x64 of ../shared/mediasoup',
};

/** Why browsers cannot get media through the worker this machine would run, or undefined when they can. */
export function dtlsDefect(): string | undefined {
  const binary = findWorkerBinary();
  if (!('source' in binary)) return `no mediasoup worker: ${binary.reason}`;
  const build = DTLS_DEFECTIVE[createHash('sha256').update(readFileSync(binary.path)).digest('hex')];
  return build && `${build} dies with SIGSEGV in the DTLS handshake with a browser (see apps/media/test/worker-defects.ts); a working build in ../shared/mediasoup lifts this`;
}
