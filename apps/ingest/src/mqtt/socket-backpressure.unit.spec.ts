import { type Pausable, SocketBackpressure } from './socket-backpressure';

// The gate's decisions only; the sockets are plain objects that record pause/resume, and the
// producer's fill level is a number the test sets.

const socket = () => {
  const s: Pausable & { reading: boolean } = { reading: true, pause: () => (s.reading = false), resume: () => (s.reading = true) };
  return s;
};
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('pauses publishing sockets above the high-water mark and resumes them all below the low one', async () => {
  let level = 0;
  const gate = new SocketBackpressure(() => level, { high: 0.8, low: 0.5, pollMs: 5 });
  const [busy, quiet] = [socket(), socket()];
  gate.observe(busy);
  expect(busy.reading).toBe(true); // no pressure: nothing paused

  level = 0.9;
  gate.observe(busy);
  expect({ busy: busy.reading, quiet: quiet.reading, paused: gate.pausedCount }).toEqual({ busy: false, quiet: true, paused: 1 });

  level = 0.6; // drained some, but not below the low mark
  await tick(20);
  expect(busy.reading).toBe(false);

  level = 0.4;
  await tick(20);
  expect({ busy: busy.reading, paused: gate.pausedCount }).toEqual({ busy: true, paused: 0 });
  gate.stop();
});
