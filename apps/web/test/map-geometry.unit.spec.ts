import type { Point } from 'geojson';
import { boxOf, circleRing, geofenceShapes, graticule, jobPoints, paddedViewport, technicianPoints, trailLines } from '../src/map-geometry';

const berlin = { lat: 52.52, lon: 13.405 };
const metresBetween = (a: number[], b: number[]) => {
  const rad = Math.PI / 180;
  const h = Math.sin(((b[1]! - a[1]!) * rad) / 2) ** 2 + Math.cos(a[1]! * rad) * Math.cos(b[1]! * rad) * Math.sin(((b[0]! - a[0]!) * rad) / 2) ** 2;
  return 2 * 6_371_008.8 * Math.asin(Math.sqrt(h));
};

it('draws a circular geofence as a closed ring at its radius, and a polygon closed', () => {
  const ring = circleRing(berlin, 80);
  expect(ring).toHaveLength(65);
  expect(ring[64]).toEqual(ring[0]);
  for (const p of ring) expect(metresBetween([berlin.lon, berlin.lat], p)).toBeCloseTo(80, 6);
  const shapes = geofenceShapes([
    { id: 'g1', name: 'Yard', shape: { kind: 'circle', center: berlin, radiusM: 80 } },
    { id: 'g2', name: 'Lot', shape: { kind: 'polygon', points: [berlin, { lat: 52.53, lon: 13.405 }, { lat: 52.53, lon: 13.42 }] } },
    { id: 'g3', name: 'Shapeless' },
  ]);
  expect(shapes.features.map((f) => f.properties)).toEqual([{ id: 'g1', name: 'Yard' }, { id: 'g2', name: 'Lot' }]);
  expect(shapes.features[1]!.geometry.coordinates[0]).toEqual([[13.405, 52.52], [13.405, 52.53], [13.42, 52.53], [13.405, 52.52]]);
});

it('puts GeoJSON in [lon, lat] order with only what the layers need', () => {
  const [tech] = technicianPoints([{ subjectId: 't1', lat: 52.52, lon: 13.405 }]).features;
  expect(tech).toEqual({ type: 'Feature', properties: { id: 't1' }, geometry: { type: 'Point', coordinates: [13.405, 52.52] } });
  // one point is no trail yet
  expect(trailLines(new Map([['t1', [berlin]], ['t2', [berlin, { lat: 52.53, lon: 13.41 }]]])).features.map((f) => f.properties)).toEqual([{ technicianId: 't2' }]);
  // done and cancelled jobs, and jobs without a place, are off the map
  const jobs = jobPoints([
    { jobId: 'j1', title: 'Oven', status: 'assigned', location: berlin },
    { jobId: 'j2', title: 'Done', status: 'completed', location: berlin },
    { jobId: 'j3', title: 'Nowhere', status: 'unassigned' },
  ]);
  expect(jobs.features.map((f) => [f.properties, (f.geometry as Point).coordinates])).toEqual([[{ jobId: 'j1', title: 'Oven', status: 'assigned' }, [13.405, 52.52]]]);
});

it('subscribes to the visible box padded by a fifth, clamped to the index’s range', () => {
  expect(paddedViewport({ west: 13, south: 52, east: 14, north: 53 })).toEqual({ west: 12.8, south: 51.8, east: 14.2, north: 53.2 });
  expect(paddedViewport({ west: -200, south: -89, east: 200, north: 89 })).toEqual({ west: -180, south: -85, east: 180, north: 85 });
  expect(boxOf([])).toBeUndefined();
  expect(boxOf([berlin, { lat: 52.5, lon: 13.5 }])).toEqual({ west: 13.405, south: 52.5, east: 13.5, north: 52.52 });
});

it('draws the local grid at a round step, at most 12 lines across', () => {
  const lines = graticule({ west: 13.31, south: 52.45, east: 13.5, north: 52.58 });
  const meridians = lines.features.filter((f) => f.geometry.coordinates[0]![0] === f.geometry.coordinates[1]![0]);
  expect(meridians.map((f) => f.geometry.coordinates[0]![0])).toEqual([13.32, 13.34, 13.36, 13.38, 13.4, 13.42, 13.44, 13.46, 13.48, 13.5].map((x) => expect.closeTo(x, 9)));
  expect(lines.features.length - meridians.length).toBe(7); // parallels 52.46 … 52.58
});
