import type { Viewport } from '#libs/realtime-client';
import { ViewportIndex, type Watcher } from './viewport-index';

const watcher = (viewport: Viewport | null, streams = ['locations'], role = 'dispatcher'): Watcher => ({ streams: new Set(streams), viewport, caller: { role } });
const visited = (index: ViewportIndex<Watcher>, lat: number, lon: number) => {
  const seen: Watcher[] = [];
  index.near(lat, lon, (w) => seen.push(w));
  return seen;
};
const inside = (v: Viewport, lat: number, lon: number) => lat >= v.south && lat <= v.north && (v.west <= v.east ? lon >= v.west && lon <= v.east : lon >= v.west || lon <= v.east);

describe('ViewportIndex', () => {
  it('offers a location to the sockets looking at it, not to those looking elsewhere', () => {
    const index = new ViewportIndex<Watcher>();
    const berlin = watcher({ west: 13.3, south: 52.45, east: 13.5, north: 52.55 });
    const paris = watcher({ west: 2.25, south: 48.8, east: 2.45, north: 48.9 });
    index.place(berlin);
    index.place(paris);
    expect(visited(index, 52.5, 13.4)).toEqual([berlin]);
    expect(visited(index, 48.85, 2.35)).toEqual([paris]);
    expect(visited(index, 40.4, -3.7)).toEqual([]);
  });

  it('finds a point on every edge and corner of a viewport', () => {
    const index = new ViewportIndex<Watcher>();
    const v = { west: 13.25, south: 52.5, east: 13.5, north: 52.75 }; // edges on cell boundaries
    const w = watcher(v);
    index.place(w);
    for (const [lat, lon] of [[52.5, 13.25], [52.75, 13.5], [52.5, 13.5], [52.75, 13.25], [52.6, 13.25], [52.75, 13.4]] as const) {
      expect(visited(index, lat, lon)).toEqual([w]);
    }
  });

  it('offers every location to sockets without a viewport, across the antimeridian, or of a technician; none to sockets not following locations', () => {
    const index = new ViewportIndex<Watcher>();
    const all = watcher(null);
    const pacific = watcher({ west: 170, south: -20, east: -170, north: 0 });
    const technician = watcher({ west: 13.3, south: 52.45, east: 13.5, north: 52.55 }, ['locations'], 'technician');
    const jobsOnly = watcher(null, ['jobs', 'alerts']);
    index.place(all);
    index.place(pacific);
    index.place(technician);
    index.place(jobsOnly);
    expect(visited(index, 48.85, 2.35)).toEqual([all, pacific, technician]);
  });

  it('asks a socket with a viewport out of the world every time instead of indexing it (no cell blowup)', () => {
    const index = new ViewportIndex<Watcher>();
    const huge = watcher({ west: -1e9, south: -1e9, east: 1e9, north: 1e9 });
    const broken = watcher({ west: Number.NaN, south: 0, east: 1, north: 1 });
    index.place(huge);
    index.place(broken);
    expect(visited(index, 52.5, 13.4)).toEqual([huge, broken]);
  });

  it('moves a socket whose viewport changed, and forgets a removed one', () => {
    const index = new ViewportIndex<Watcher>();
    const w = watcher({ west: 13.3, south: 52.45, east: 13.5, north: 52.55 });
    index.place(w);
    w.viewport = { west: 2.25, south: 48.8, east: 2.45, north: 48.9 };
    index.place(w);
    expect(visited(index, 52.5, 13.4)).toEqual([]);
    expect(visited(index, 48.85, 2.35)).toEqual([w]);
    index.remove(w);
    expect(visited(index, 48.85, 2.35)).toEqual([]);
    index.remove(w); // twice: nothing to do
  });

  it('never misses a socket whose viewport holds the point, and visits each at most once (random viewports from streets to the world)', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const index = new ViewportIndex<Watcher>();
    const watchers: Watcher[] = [];
    for (let i = 0; i < 500; i++) {
      const width = 10 ** (random() * 5 - 3) * 360; // 0.36° … 36,000° (clamped to the world below)
      const height = Math.min(180, width / 2);
      const west = -180 + random() * 360;
      const south = Math.max(-90, -90 + random() * 180 - height / 2);
      const v = { west, south, east: Math.min(180, west + width), north: Math.min(90, south + height) };
      const w = watcher(v);
      watchers.push(w);
      index.place(w);
    }
    for (let p = 0; p < 2_000; p++) {
      const lat = -90 + random() * 180;
      const lon = -180 + random() * 360;
      const seen = visited(index, lat, lon);
      expect(new Set(seen).size).toBe(seen.length);
      const owed = watchers.filter((w) => inside(w.viewport!, lat, lon));
      expect(owed.filter((w) => !seen.includes(w))).toEqual([]);
    }
  });
});
