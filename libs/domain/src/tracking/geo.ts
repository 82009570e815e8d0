/** Plain geodesy for tracking: metres on a spherical earth, which is within 0.5 % at street scale. */

export interface LatLon {
  lat: number;
  lon: number;
}

export type FenceShape =
  | { kind: 'circle'; center: LatLon; radiusM: number }
  | { kind: 'polygon'; points: LatLon[] };

const EARTH_RADIUS_M = 6_371_008.8;
const rad = (deg: number) => (deg * Math.PI) / 180;

export function haversineM(a: LatLon, b: LatLon): number {
  const dLat = rad(b.lat - a.lat);
  const dLon = rad(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * Distance from the point to the fence's boundary, negative inside, positive outside. Polygons use a
 * local equirectangular projection around the point (exact enough for fences up to tens of km).
 */
export function signedDistanceToFenceM(point: LatLon, shape: FenceShape): number {
  if (shape.kind === 'circle') return haversineM(point, shape.center) - shape.radiusM;
  const mPerDegLat = (Math.PI * EARTH_RADIUS_M) / 180;
  const mPerDegLon = mPerDegLat * Math.cos(rad(point.lat));
  const xy = shape.points.map((p) => ({ x: (p.lon - point.lon) * mPerDegLon, y: (p.lat - point.lat) * mPerDegLat }));
  let inside = false;
  let nearest = Infinity;
  for (let i = 0, j = xy.length - 1; i < xy.length; j = i++) {
    const a = xy[i]!;
    const b = xy[j]!;
    // Ray cast from the origin (the point) along +x.
    if (a.y > 0 !== b.y > 0 && 0 < ((b.x - a.x) * (0 - a.y)) / (b.y - a.y) + a.x) inside = !inside;
    nearest = Math.min(nearest, distanceToSegment(a, b));
  }
  return inside ? -nearest : nearest;
}

function distanceToSegment(a: { x: number; y: number }, b: { x: number; y: number }): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const length2 = dx * dx + dy * dy;
  const t = length2 === 0 ? 0 : Math.max(0, Math.min(1, -(a.x * dx + a.y * dy) / length2));
  return Math.hypot(a.x + t * dx, a.y + t * dy);
}
