// The map's looks: the local base map used when no style is configured or it cannot be loaded, and
// our layers on top of whichever base map loaded. Data only (types from MapLibre, nothing bundled).
import type { FeatureCollection } from 'geojson';
import type { LayerSpecification, SourceSpecification, StyleSpecification } from 'maplibre-gl';
import { JOB_COLOURS } from './map-geometry';

const EMPTY: FeatureCollection = { type: 'FeatureCollection', features: [] };

/** A base map without tiles: the background and a grid (map-geometry's graticule, set on every move); needs no network. */
export const LOCAL_STYLE: StyleSpecification = {
  version: 8,
  name: 'fieldline-local',
  sources: { graticule: { type: 'geojson', data: EMPTY } },
  layers: [
    { id: 'background', type: 'background', paint: { 'background-color': '#eef2f7' } },
    { id: 'graticule', type: 'line', source: 'graticule', paint: { 'line-color': '#d7dde6', 'line-width': 1 } },
  ],
};

/** Points closer than this (px) merge into a cluster, up to this zoom (street level shows each one). */
const CLUSTER = { cluster: true, clusterRadius: 40, clusterMaxZoom: 14 } as const;

export const OVERLAY_SOURCES: Record<string, SourceSpecification> = {
  geofences: { type: 'geojson', data: EMPTY },
  sites: { type: 'geojson', data: EMPTY },
  trails: { type: 'geojson', data: EMPTY },
  playback: { type: 'geojson', data: EMPTY },
  jobs: { type: 'geojson', data: EMPTY, ...CLUSTER },
  technicians: { type: 'geojson', data: EMPTY, ...CLUSTER },
};

/** The sources whose clusters get a count bubble (map-markers.ts). */
export const CLUSTERED = ['technicians', 'jobs'] as const;

const unclustered = ['!', ['has', 'point_count']] as const;

export const OVERLAY_LAYERS: LayerSpecification[] = [
  { id: 'geofences-fill', type: 'fill', source: 'geofences', paint: { 'fill-color': '#3b82f6', 'fill-opacity': 0.13 } },
  { id: 'geofences-line', type: 'line', source: 'geofences', paint: { 'line-color': '#3b82f6', 'line-width': 1.5, 'line-dasharray': [3, 2] } },
  { id: 'sites', type: 'circle', source: 'sites', paint: { 'circle-radius': 5, 'circle-color': '#374151', 'circle-stroke-color': '#fff', 'circle-stroke-width': 1.5 } },
  { id: 'trails', type: 'line', source: 'trails', layout: { 'line-join': 'round', 'line-cap': 'round' }, paint: { 'line-color': '#2563eb', 'line-opacity': 0.45, 'line-width': 3 } },
  { id: 'playback-track', type: 'line', source: 'playback', paint: { 'line-color': '#db2777', 'line-width': 2 } },
  {
    id: 'jobs',
    type: 'circle',
    source: 'jobs',
    filter: unclustered as never,
    paint: {
      'circle-radius': 7,
      'circle-color': ['match', ['get', 'status'], ...Object.entries(JOB_COLOURS).flat(), '#6b7280'] as never,
      'circle-stroke-color': '#fff',
      'circle-stroke-width': 2,
    },
  },
  // technicians are HTML markers (map-markers.ts); a source is only loaded while a layer uses it, so this invisible one does
  { id: 'technicians-source', type: 'circle', source: 'technicians', paint: { 'circle-radius': 1, 'circle-opacity': 0, 'circle-stroke-opacity': 0 } },
];

/** Site names, where the base map has glyphs to write them with (the local one has none: names show on hover). */
export const SITE_LABELS: LayerSpecification = {
  id: 'site-labels',
  type: 'symbol',
  source: 'sites',
  layout: { 'text-field': ['get', 'name'], 'text-size': 11, 'text-anchor': 'left', 'text-offset': [0.8, 0] },
  paint: { 'text-color': '#1f2937', 'text-halo-color': '#fff', 'text-halo-width': 1.5 },
};
