import type { Viewport } from '#libs/realtime-client';

/** What the index needs of a socket: what it follows, where it looks, and who it is. */
export interface Watcher {
  streams: ReadonlySet<string>;
  viewport: Viewport | null;
  caller: { role: string };
}

/** The smallest cell, in degrees; each level doubles it, up to a cell wider than the world. */
const BASE_DEGREES = 1 / 128;
const LEVELS = 16; // BASE_DEGREES × 2^15 = 256°
/** Cell keys: lon index × LAT_CELLS + lat index (the finest level has 46,080 × 23,040 cells). */
const LAT_CELLS = 2 ** 16;

const cellSize = (level: number) => BASE_DEGREES * 2 ** level;
const lonCell = (lon: number, size: number) => Math.floor((lon + 180) / size);
const latCell = (lat: number, size: number) => Math.floor((lat + 90) / size);

type Placement = { level: number; keys: number[] } | 'anywhere' | 'none';

/**
 * The sockets of one tenant by where they look, so a location entry is offered to the sockets whose
 * viewport may hold it instead of to every socket (1,000 dashboards × 2,000 fixes/s was two million
 * viewport checks a second, a quarter of the gateway's CPU in bench:realtime). A viewport goes in at
 * the level whose cells are at least as large as its longer side, so it covers at most 2 × 2 cells;
 * a point is looked up in one cell per level in use. Sockets that follow locations without a viewport,
 * across the antimeridian or as a technician (their rights filter by subject) are offered every
 * location; sockets that do not follow locations, none. The socket's own check (`wants`) stays the
 * rule: the index only narrows who is asked.
 */
export class ViewportIndex<W extends Watcher> {
  private readonly levels = new Map<number, Map<number, Set<W>>>();
  private readonly anywhere = new Set<W>();
  private readonly placed = new Map<W, Placement>();

  /** (Re)places a socket after it subscribed or changed its streams, viewport or rights. */
  place(watcher: W): void {
    this.remove(watcher);
    const placement = placementOf(watcher);
    this.placed.set(watcher, placement);
    if (placement === 'none') return;
    if (placement === 'anywhere') {
      this.anywhere.add(watcher);
      return;
    }
    let cells = this.levels.get(placement.level);
    if (!cells) this.levels.set(placement.level, (cells = new Map()));
    for (const key of placement.keys) {
      let set = cells.get(key);
      if (!set) cells.set(key, (set = new Set()));
      set.add(watcher);
    }
  }

  remove(watcher: W): void {
    const placement = this.placed.get(watcher);
    if (placement === undefined) return;
    this.placed.delete(watcher);
    if (placement === 'anywhere') this.anywhere.delete(watcher);
    if (typeof placement === 'string') return;
    const cells = this.levels.get(placement.level)!;
    for (const key of placement.keys) {
      const set = cells.get(key)!;
      set.delete(watcher);
      if (set.size === 0) cells.delete(key);
    }
    if (cells.size === 0) this.levels.delete(placement.level);
  }

  /** Calls `visit` once for each socket that may want a location at (lat, lon). */
  near(lat: number, lon: number, visit: (watcher: W) => void): void {
    for (const watcher of this.anywhere) visit(watcher);
    if (!Number.isFinite(lat) || !Number.isFinite(lon)) return;
    for (const [level, cells] of this.levels) {
      const size = cellSize(level);
      const set = cells.get(lonCell(lon, size) * LAT_CELLS + latCell(lat, size));
      if (set) for (const watcher of set) visit(watcher);
    }
  }
}

const inWorld = (v: Viewport) => v.west >= -180 && v.east <= 180 && v.south >= -90 && v.north <= 90; // false for NaN too

function placementOf(watcher: Watcher): Placement {
  if (!watcher.streams.has('locations')) return 'none';
  const v = watcher.viewport;
  // Out of the world (the gateway's validation refuses it; here it would mean millions of cells): asked every time.
  if (!v || watcher.caller.role === 'technician' || v.west > v.east || !inWorld(v)) return 'anywhere';
  const extent = Math.max(v.east - v.west, v.north - v.south);
  let level = 0;
  while (level < LEVELS - 1 && cellSize(level) < extent) level++;
  const size = cellSize(level);
  const keys: number[] = [];
  for (let x = lonCell(v.west, size); x <= lonCell(v.east, size); x++) {
    for (let y = latCell(v.south, size); y <= latCell(v.north, size); y++) keys.push(x * LAT_CELLS + y);
  }
  return { level, keys };
}
