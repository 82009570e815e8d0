// What the map draws, as GeoJSON built from the page's state (MapLibre takes it as source data), and
// the realtime viewport from the visible box. Pure: no DOM, no MapLibre, so it is unit-tested as is.
import type { Feature, FeatureCollection, LineString, Point, Polygon } from 'geojson';

export interface LatLon {
  lat: number;
  lon: number;
}

/** West, south, east, north in degrees (the realtime viewport's shape). */
export interface Box {
  west: number;
  south: number;
  east: number;
  north: number;
}

export interface Place {
  id: string;
  name: string;
  location?: LatLon;
  siteId?: string;
  shape?: { kind: 'circle'; center: LatLon; radiusM: number } | { kind: 'polygon'; points: LatLon[] };
}

/** The job statuses the map shows, with their colours (done and cancelled jobs are off the map). */
export const JOB_COLOURS: Record<string, string> = { unassigned: '#d97706', assigned: '#2563eb', en_route: '#7c3aed', on_site: '#059669', on_hold: '#6b7280' };

const EARTH_RADIUS_M = 6_371_008.8;
const MAX_LAT = 85;

const collection = <G extends Point | LineString | Polygon>(features: Feature<G>[]): FeatureCollection<G> => ({ type: 'FeatureCollection', features });
const point = (p: LatLon, properties: Record<string, unknown>): Feature<Point> => ({ type: 'Feature', properties, geometry: { type: 'Point', coordinates: [p.lon, p.lat] } });
const line = (points: LatLon[], properties: Record<string, unknown>): Feature<LineString> => ({ type: 'Feature', properties, geometry: { type: 'LineString', coordinates: points.map((p) => [p.lon, p.lat]) } });

/** One point per technician with a fix; only the id travels: markers read the exact fix from the state (clustering quantises geometry). */
export const technicianPoints = (positions: Iterable<{ subjectId: string } & LatLon>): FeatureCollection<Point> => collection([...positions].map((p) => point(p, { id: p.subjectId })));

/** Each technician's recent trail, where it has two points or more. */
export const trailLines = (trails: Map<string, LatLon[]>): FeatureCollection<LineString> =>
  collection([...trails].filter(([, trail]) => trail.length > 1).map(([technicianId, trail]) => line(trail, { technicianId })));

/** Open jobs with a location. */
export const jobPoints = (jobs: Iterable<{ jobId: string; title: string; status: string; location?: LatLon }>): FeatureCollection<Point> =>
  collection([...jobs].flatMap((j) => (j.location && JOB_COLOURS[j.status] ? [point(j.location, { jobId: j.jobId, title: j.title, status: j.status })] : [])));

export const sitePoints = (sites: Place[]): FeatureCollection<Point> => collection(sites.flatMap((s) => (s.location ? [point(s.location, { id: s.id, name: s.name })] : [])));

/** Geofences as polygons: a circle becomes a 64-gon of its radius. */
export const geofenceShapes = (geofences: Place[]): FeatureCollection<Polygon> =>
  collection(
    geofences.flatMap((g): Feature<Polygon>[] => {
      const ring = g.shape?.kind === 'circle' ? circleRing(g.shape.center, g.shape.radiusM) : g.shape?.kind === 'polygon' ? closed(g.shape.points) : undefined;
      return ring ? [{ type: 'Feature', properties: { id: g.id, name: g.name }, geometry: { type: 'Polygon', coordinates: [ring] } }] : [];
    }),
  );

export const trackLine = (points: LatLon[]): FeatureCollection<LineString> => collection(points.length > 1 ? [line(points, {})] : []);

/** A closed ring of `steps` points `radiusM` metres around `center` (destination on a sphere). */
export function circleRing(center: LatLon, radiusM: number, steps = 64): number[][] {
  const rad = Math.PI / 180;
  const [lat1, lon1, d] = [center.lat * rad, center.lon * rad, radiusM / EARTH_RADIUS_M];
  const ring: number[][] = [];
  for (let i = 0; i <= steps; i++) {
    const bearing = ((i % steps) / steps) * 2 * Math.PI;
    const lat2 = Math.asin(Math.sin(lat1) * Math.cos(d) + Math.cos(lat1) * Math.sin(d) * Math.cos(bearing));
    const lon2 = lon1 + Math.atan2(Math.sin(bearing) * Math.sin(d) * Math.cos(lat1), Math.cos(d) - Math.sin(lat1) * Math.sin(lat2));
    ring.push([lon2 / rad, lat2 / rad]);
  }
  return ring;
}

const closed = (points: LatLon[]): number[][] | undefined => (points.length < 3 ? undefined : [...points, points[0]!].map((p) => [p.lon, p.lat]));

/** The box around `points`, or none; a single point gives a box of no size (fitting caps the zoom). */
export function boxOf(points: LatLon[]): Box | undefined {
  if (points.length === 0) return undefined;
  const lats = points.map((p) => p.lat);
  const lons = points.map((p) => p.lon);
  return { west: Math.min(...lons), south: Math.min(...lats), east: Math.max(...lons), north: Math.max(...lats) };
}

/**
 * The realtime viewport for a visible box: a fifth larger on each side, so a short pan finds the
 * technicians already there, clamped to what the gateway's index accepts (a wrapped map's box can
 * run past ±180°).
 */
export function paddedViewport(b: Box): Box {
  const dx = (b.east - b.west) * 0.2;
  const dy = (b.north - b.south) * 0.2;
  const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));
  return { west: clamp(b.west - dx, -180, 180), east: clamp(b.east + dx, -180, 180), south: clamp(b.south - dy, -MAX_LAT, MAX_LAT), north: clamp(b.north + dy, -MAX_LAT, MAX_LAT) };
}

/** Meridians and parallels at a round step giving about 6–12 lines across the box: the local base map's grid. */
export function graticule(b: Box): FeatureCollection<LineString> {
  const span = Math.max(b.east - b.west, 1e-6);
  const step = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 45].find((s) => span / s <= 12) ?? 45;
  const south = Math.max(b.south, -MAX_LAT);
  const north = Math.min(b.north, MAX_LAT);
  const lines: Feature<LineString>[] = [];
  // multiples of the step, counted in whole steps so float drift cannot add or drop a line
  for (let i = Math.ceil(b.west / step); i * step <= b.east; i++) lines.push(line([{ lat: south, lon: i * step }, { lat: north, lon: i * step }], {}));
  for (let i = Math.ceil(south / step); i * step <= north; i++) lines.push(line([{ lat: i * step, lon: b.west }, { lat: i * step, lon: b.east }], {}));
  return collection(lines);
}
