import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { GeoJSONSource, Map as MapLibreMap, MapLayerMouseEvent } from 'maplibre-gl';
import type { LiveStore } from '../live-store';
import { boxOf, geofenceShapes, graticule, jobPoints, type LatLon, paddedViewport, type Place, sitePoints, technicianPoints, trackLine, trailLines } from '../map-geometry';
import { LOCAL_STYLE, OVERLAY_LAYERS, OVERLAY_SOURCES, SITE_LABELS } from '../map-style';
import { MapMarkers } from './map-markers';

export type { Place };

export interface Playback {
  technicianId: string;
  points: (LatLon & { time: string })[];
  index: number;
}

interface Props {
  store: LiveStore;
  sites: Place[];
  geofences: Place[];
  playback?: Playback;
  selected?: string;
  onSelect: (technicianId: string) => void;
  onOpenJob: (jobId: string) => void;
  onAssign: (jobId: string, technicianId: string) => void;
}

/** A configured style that has not loaded by then is given up for the local one (a closed network may never answer). */
const STYLE_TIMEOUT_MS = 8_000;
/** Fitting one technician stops at street level, not at the deepest zoom. */
const FIT = { padding: 40, maxZoom: 15, duration: 0 } as const;

/**
 * MapLibre GL with its worker (same origin: the CSP's worker-src 'self'), loaded only when a map is
 * shown: the login and the technician view do not carry it.
 */
async function loadMapLibre() {
  const [lib, worker] = await Promise.all([import('maplibre-gl'), import('maplibre-gl/dist/maplibre-gl-worker.mjs?url'), import('maplibre-gl/dist/maplibre-gl.css')]);
  lib.setWorkerUrl(worker.default);
  return lib;
}

/**
 * The live map: MapLibre GL over the base map of MAP_STYLE_URL (streets) or, when none is set or it
 * cannot be loaded, a local one without tiles; technicians with heading, freshness and trail, sites,
 * geofences and open jobs on top, clustered when zoomed out. The visible box (after every move) is the
 * realtime viewport subscription. A job card dropped on a technician assigns the job to them.
 */
export function MapView(props: Props) {
  const { store, playback, selected } = props;
  const tick = store.tick.value; // re-render on live changes
  const box = useRef<HTMLDivElement>(null);
  const live = useRef<{ map: MapLibreMap; markers: MapMarkers }>(undefined);
  const latest = useRef(props);
  latest.current = props;
  /** Which base map is drawn; bumped on each style load, when every source is new and empty again. */
  const [base, setBase] = useState({ kind: 'loading' as 'loading' | 'remote' | 'local', loads: 0 });
  const [following, setFollowing] = useState<string>();
  const [now, setNow] = useState(Date.now());
  const fitted = useRef(false);
  const { state } = store;

  useEffect(() => {
    let stopped = false;
    let map: MapLibreMap | undefined;
    const timer = setInterval(() => setNow(Date.now()), 5_000); // freshness fades even without updates
    void loadMapLibre().then((lib) => {
      if (stopped) return;
      const remote = store.config.mapStyleUrl;
      map = new lib.Map({ container: box.current!, style: remote ?? LOCAL_STYLE, center: [0, 20], zoom: 1, dragRotate: false, pitchWithRotate: false, touchPitch: false, attributionControl: { compact: true } });
      const m = map;
      m.touchZoomRotate.disableRotation();
      m.keyboard.disableRotation();
      const markers = new MapMarkers(lib, m, () => latest.current);
      live.current = { map: m, markers };
      // for the browser tests and the console: what is drawn can be queried (queryRenderedFeatures)
      Object.assign(box.current!, { maplibre: m });

      // the configured style failing (or never answering) before it loaded leaves the local one
      let remoteLoaded = false;
      let fellBack = false;
      const fallBack = () => {
        if (remoteLoaded || fellBack) return;
        fellBack = true;
        markers.clear();
        latest.current.store.notify('info', 'The street map could not be loaded; showing the plain map.');
        m.setStyle(LOCAL_STYLE);
      };
      const giveUp = remote ? setTimeout(fallBack, STYLE_TIMEOUT_MS) : undefined;
      if (remote) m.on('error', fallBack);
      m.on('style.load', () => {
        const isLocal = m.getStyle().name === LOCAL_STYLE.name;
        if (!isLocal) remoteLoaded = true;
        clearTimeout(giveUp);
        for (const [id, source] of Object.entries(OVERLAY_SOURCES)) m.addSource(id, source);
        for (const layer of OVERLAY_LAYERS) m.addLayer(layer);
        if (m.getStyle().glyphs) m.addLayer(SITE_LABELS, 'trails');
        drawGrid(m);
        setBase((b) => ({ kind: isLocal ? 'local' : 'remote', loads: b.loads + 1 }));
      });
      // only what is on screen streams to this page
      m.on('moveend', () => {
        const b = m.getBounds();
        latest.current.store.client.setViewport(paddedViewport({ west: b.getWest(), south: b.getSouth(), east: b.getEast(), north: b.getNorth() }));
        drawGrid(m);
      });
      m.on('dragstart', () => setFollowing(undefined)); // the person took over
      m.on('click', 'jobs', (e: MapLayerMouseEvent) => latest.current.onOpenJob(String(e.features?.[0]?.properties.jobId)));
      const names = new lib.Popup({ closeButton: false, closeOnClick: false, className: 'map-name' });
      for (const layer of ['jobs', 'sites', 'geofences-fill']) {
        m.on('mouseenter', layer, (e: MapLayerMouseEvent) => {
          const p = e.features?.[0]?.properties ?? {};
          m.getCanvas().style.cursor = layer === 'jobs' ? 'pointer' : '';
          names.setLngLat(e.lngLat).setText(layer === 'jobs' ? `${p.title} (${p.status})` : String(p.name)).addTo(m);
        });
        m.on('mouseleave', layer, () => {
          m.getCanvas().style.cursor = '';
          names.remove();
        });
      }
    });
    return () => {
      stopped = true;
      clearInterval(timer);
      map?.remove();
      live.current = undefined;
    };
  }, []);

  const source = (id: string) => live.current?.map.getSource<GeoJSONSource>(id);

  useEffect(() => {
    source('sites')?.setData(sitePoints(props.sites));
    source('geofences')?.setData(geofenceShapes(props.geofences));
  }, [props.sites, props.geofences, base.loads]);

  useEffect(() => {
    if (!live.current || base.loads === 0) return;
    source('technicians')?.setData(technicianPoints(state.positions.values()));
    source('trails')?.setData(trailLines(state.trails));
    source('jobs')?.setData(jobPoints(state.jobs.values()));
    // fit once there is something to show; after that the person's pan and zoom are kept
    const everything = boxOf(everythingOf(props));
    if (!fitted.current && everything) {
      fitted.current = true;
      fitTo(live.current.map, everything);
    }
  }, [tick, base.loads]);

  useEffect(() => {
    live.current?.markers.update(state.positions, (id) => ({ name: state.technicians.get(id)?.name ?? id, selected: selected === id, now }));
  }, [tick, base.loads, selected, now]);

  useEffect(() => {
    source('playback')?.setData(trackLine(playback?.points ?? []));
    live.current?.markers.showCursor(playback?.points[playback.index]);
  }, [playback, base.loads]);

  // following: the map keeps the technician in the middle as their fixes come
  useEffect(() => {
    if (following && following !== selected) return setFollowing(undefined);
    const fix = following ? state.positions.get(following) : undefined;
    if (fix) live.current?.map.easeTo({ center: [fix.lon, fix.lat], duration: 500 });
  }, [tick, following, selected]);

  const zoomBy = (delta: number) => live.current?.map.easeTo({ zoom: live.current.map.getZoom() + delta });
  const fitAll = () => {
    const everything = boxOf(everythingOf(props));
    if (live.current && everything) fitTo(live.current.map, everything);
  };
  const canFollow = selected !== undefined && state.positions.has(selected);

  return html`
    <div class="map" data-testid="map" data-base=${base.kind} data-following=${following ?? ''}>
      <div class="map-canvas" ref=${box} role="region" aria-label="Map of technicians, sites and jobs"></div>
      <div class="map-controls">
        <button type="button" title="Zoom in" onClick=${() => zoomBy(1)}>+</button>
        <button type="button" title="Zoom out" onClick=${() => zoomBy(-1)}>−</button>
        <button type="button" title="Fit everything" onClick=${fitAll}>⤢</button>
        <button type="button" title="Follow the selected technician" data-testid="follow" disabled=${!canFollow} aria-pressed=${following !== undefined}
          onClick=${() => setFollowing(following ? undefined : selected)}>◎</button>
      </div>
    </div>
  `;
}

/** Technicians, sites and open jobs: what a fit shows. */
function everythingOf({ store, sites }: Props): LatLon[] {
  const { positions, jobs } = store.state;
  return [...positions.values(), ...sites.flatMap((s) => (s.location ? [s.location] : [])), ...[...jobs.values()].flatMap((j) => (j.location && !['completed', 'cancelled'].includes(j.status) ? [j.location] : []))];
}

function fitTo(map: MapLibreMap, b: { west: number; south: number; east: number; north: number }): void {
  map.fitBounds([b.west, b.south, b.east, b.north], FIT);
}

/** The local base map's grid follows the view (a base map from a style has its own streets instead). */
function drawGrid(map: MapLibreMap): void {
  const b = map.getBounds();
  map.getSource<GeoJSONSource>('graticule')?.setData(graticule({ west: b.getWest(), south: b.getSouth(), east: b.getEast(), north: b.getNorth() }));
}
