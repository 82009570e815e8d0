// kafkajs (2.2.4, its last release) schedules its throttle check at `throttledUntil - Date.now()`,
// which is negative when the broker never throttled. Node 20 clamped that to 1 ms in silence; Node 22+
// does the same but prints a TimeoutNegativeWarning on stderr once per process, into every app's
// otherwise JSON-only output. Only that warning is dropped; every other warning is printed as before.
const emitWarning = process.emitWarning.bind(process);

process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
  if (type === 'TimeoutNegativeWarning' || (warning instanceof Error && warning.name === 'TimeoutNegativeWarning')) return;
  (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;
