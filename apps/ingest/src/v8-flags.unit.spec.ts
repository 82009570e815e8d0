import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// A workload that gets an allocation site tenured: every object from make() outlives two scavenges,
// then make()'s objects die at once. With pretenuring on, those short-lived objects still land in the
// old generation; with ingest's flags, they die young. Measured in a plain Node process per case.
// The young generation is capped at 2 MB so the burst outlives scavenges as it does under ingest's
// load: Node 24's V8 grows the young generation far enough that this small workload alone no longer
// tenures (0.004 MB), while with the cap it tenures harder than Node 20 did (Node 20: 1.5 MB;
// Node 24: 134 MB without the flags, 0.003 with them).
function oldSpaceGrowthMb(withIngestFlags: boolean): number {
  const script = `
    ${withIngestFlags ? `require(${JSON.stringify(join(__dirname, 'v8-flags.ts'))});` : ''}
    const v8 = require('node:v8');
    const oldSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space').space_used_size;
    function run() {
      function make(i) { return { id: i, lat: 52.5, lon: 13.4, at: 'x', n: [i] }; }
      const ring = new Array(300000);
      for (let i = 0; i < 3000000; i++) ring[i % ring.length] = make(i);
      ring.fill(undefined);
      // Only the old generation's growth counts (a full GC on the way would hide it in a plain difference).
      let grew = 0, last = oldSpace(), sink;
      for (let i = 0; i < 3000000; i++) {
        sink = make(i);
        if (i % 1000 === 0) { const now = oldSpace(); if (now > last) grew += now - last; last = now; }
      }
      return grew / 1e6;
    }
    process.stdout.write(String(run()));
  `;
  // Optimizing on the main thread makes the tenuring deterministic: with background compilation, a busy
  // machine (the rest of the suite) delays make()'s optimized code past the workload.
  const run = spawnSync(process.execPath, ['--no-concurrent-recompilation', '--max-semi-space-size=2', '--require', 'tsx/cjs', '-e', script], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(run.stderr);
  return Number(run.stdout);
}

it('keeps short-lived objects young after a burst that would have tenured their allocation site', () => {
  expect(oldSpaceGrowthMb(false)).toBeGreaterThan(0.75); // the workload does tenure the site on this V8
  expect(oldSpaceGrowthMb(true)).toBeLessThan(0.25);
});
