// Imported for its side effect, first thing in this library's index: before aedes loads mqtt-packet.
import { dirname } from 'node:path';

interface DebugFactory {
  (namespace: string): unknown;
  enabled(namespace: string): boolean;
}

/**
 * mqtt-packet calls its `debug` loggers some twenty times per packet. With DEBUG unset, every call
 * still builds an arguments array and runs the logger's `enabled` getter: 6 % of ingest's allocations
 * and ~1–2 µs of each publish + PUBACK (measured at 10,000 msg/s). Loggers for namespaces that DEBUG
 * does not enable when they are made are plain no-ops instead; enabled ones are the real thing, so
 * `DEBUG=mqtt-packet:*` works as before (read at start, as the debug module itself reads it).
 */
function quietDebug(): void {
  const path = require.resolve('debug', { paths: [dirname(require.resolve('mqtt-packet'))] });
  const real = require(path) as DebugFactory;
  const cached = require.cache[path]; // absent under Jest, whose module registry is its own
  if (!cached || (real as { quiet?: boolean }).quiet) return;
  const off = () => undefined;
  const quiet = (namespace: string): unknown =>
    real.enabled(namespace)
      ? real(namespace)
      : Object.assign(() => undefined, { enabled: false, namespace, log: off, destroy: off, extend: (sub: string, delimiter = ':') => quiet(namespace + delimiter + sub) });
  Object.assign(quiet, real, { quiet: true });
  cached.exports = quiet;
}

quietDebug();
