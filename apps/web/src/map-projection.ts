// Web Mercator in "world units" (0..1 across the world), the same as slippy-map tiles, so a vector map
// and tiles from a configured URL line up. Pure: no DOM.

export interface LatLon {
  lat: number;
  lon: number;
}

/** A view: the world point at the centre of the screen and pixels per world unit. */
export interface View {
  cx: number;
  cy: number;
  scale: number;
}

const MAX_LAT = 85.05112878;

export function toWorld({ lat, lon }: LatLon): [number, number] {
  const clamped = Math.max(-MAX_LAT, Math.min(MAX_LAT, lat));
  const sin = Math.sin((clamped * Math.PI) / 180);
  return [(lon + 180) / 360, 0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)];
}

export function fromWorld(x: number, y: number): LatLon {
  const n = Math.PI - 2 * Math.PI * y;
  return { lat: (180 / Math.PI) * Math.atan(Math.sinh(n)), lon: x * 360 - 180 };
}

/** A view showing every point with `padding` pixels around, no closer than `minSpanM` across. */
export function fitView(points: LatLon[], width: number, height: number, padding = 40, minSpanM = 1_000): View {
  if (points.length === 0) return { cx: 0.5, cy: 0.5, scale: Math.min(width, height) };
  const xs = points.map((p) => toWorld(p)[0]);
  const ys = points.map((p) => toWorld(p)[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const metresPerUnit = 40_075_016 * Math.cos(((points[0]!.lat) * Math.PI) / 180);
  const minSpan = minSpanM / metresPerUnit;
  const spanX = Math.max(x1 - x0, minSpan);
  const spanY = Math.max(y1 - y0, minSpan);
  const scale = Math.min((width - 2 * padding) / spanX, (height - 2 * padding) / spanY);
  return { cx: (x0 + x1) / 2, cy: (y0 + y1) / 2, scale: Math.max(scale, 1) };
}

export function project(view: View, width: number, height: number, point: LatLon): [number, number] {
  const [x, y] = toWorld(point);
  return [(x - view.cx) * view.scale + width / 2, (y - view.cy) * view.scale + height / 2];
}

export function unproject(view: View, width: number, height: number, px: number, py: number): LatLon {
  return fromWorld((px - width / 2) / view.scale + view.cx, (py - height / 2) / view.scale + view.cy);
}

/** Zooms by `factor` keeping the world point under (px, py) where it is. */
export function zoomAt(view: View, width: number, height: number, px: number, py: number, factor: number): View {
  const wx = (px - width / 2) / view.scale + view.cx;
  const wy = (py - height / 2) / view.scale + view.cy;
  const scale = Math.min(Math.max(view.scale * factor, 256), 256 * 2 ** 21);
  return { scale, cx: wx - (px - width / 2) / scale, cy: wy - (py - height / 2) / scale };
}

/** The bounding box on screen (the realtime viewport subscription). */
export function visibleBounds(view: View, width: number, height: number): { west: number; south: number; east: number; north: number } {
  const nw = unproject(view, width, height, 0, 0);
  const se = unproject(view, width, height, width, height);
  return { west: nw.lon, north: nw.lat, east: se.lon, south: se.lat };
}

/** Slippy tiles covering the view: zoom level and the tiles with their screen rectangles. */
export function tilesFor(view: View, width: number, height: number): { z: number; x: number; y: number; left: number; top: number; size: number }[] {
  const z = Math.max(0, Math.min(19, Math.round(Math.log2(view.scale / 256))));
  const n = 2 ** z;
  const size = view.scale / n;
  const left0 = width / 2 - view.cx * view.scale;
  const top0 = height / 2 - view.cy * view.scale;
  const tiles = [];
  const [xa, xb] = [Math.floor(-left0 / size), Math.floor((width - left0) / size)];
  const [ya, yb] = [Math.max(0, Math.floor(-top0 / size)), Math.min(n - 1, Math.floor((height - top0) / size))];
  for (let x = xa; x <= xb; x++) {
    for (let y = ya; y <= yb; y++) tiles.push({ z, x: ((x % n) + n) % n, y, left: left0 + x * size, top: top0 + y * size, size });
  }
  return tiles;
}

/** A circle of `radiusM` metres as a screen radius at latitude `lat`. */
export function metresToPixels(view: View, lat: number, metres: number): number {
  return (metres / (40_075_016 * Math.cos((lat * Math.PI) / 180))) * view.scale;
}
