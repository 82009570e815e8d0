import type { Track } from './tracking.service';

const escapeXml = (s: string) => s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

/** GPX 1.1: one track, one segment, a trkpt per point with its time (what Strava, OsmAnd, QGIS read). */
export function toGpx(track: Track, name: string): string {
  const points = track.points
    .map((p) => `      <trkpt lat="${p.lat}" lon="${p.lon}"><time>${p.time}</time></trkpt>`)
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="Fieldline" xmlns="http://www.topografix.com/GPX/1/1">
  <metadata><name>${escapeXml(name)}</name><time>${track.from}</time></metadata>
  <trk>
    <name>${escapeXml(name)}</name>
    <trkseg>
${points}
    </trkseg>
  </trk>
</gpx>
`;
}

/** A GeoJSON Feature with a LineString ([lon, lat]) and the fix times alongside (the `coordTimes` convention). */
export function toGeoJson(track: Track) {
  return {
    type: 'Feature' as const,
    geometry: { type: 'LineString' as const, coordinates: track.points.map((p) => [p.lon, p.lat]) },
    properties: {
      technicianId: track.technicianId,
      from: track.from,
      to: track.to,
      bucketSeconds: track.bucketSeconds,
      coordTimes: track.points.map((p) => p.time),
    },
  };
}
