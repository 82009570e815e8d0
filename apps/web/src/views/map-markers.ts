// The map's HTML markers: technicians (a job card is dropped on them, their names need no glyphs, and
// freshness fades with CSS), cluster bubbles with their count, and the playback cursor. Which
// technicians stand alone and which are in a cluster comes from MapLibre's clustering of the
// `technicians` and `jobs` sources (querySourceFeatures on every render, as MapLibre's own HTML-cluster
// example does); a marker is positioned at the exact fix, never the clustered (quantised) geometry.
import type { Point } from 'geojson';
import type { GeoJSONSource, Map as MapLibreMap, Marker } from 'maplibre-gl';
import type { Position } from '../live-state';
import { CLUSTERED } from '../map-style';

type MapLibre = typeof import('maplibre-gl');

const FRESH_MS = 60_000;
const STALE_MS = 5 * 60_000;

export interface TechnicianLook {
  name: string;
  selected: boolean;
  now: number;
}

export interface MarkerHandlers {
  onSelect(technicianId: string): void;
  onAssign(jobId: string, technicianId: string): void;
}

/** Markers keyed by an id: created, moved or removed so that exactly the wanted ones are on the map. */
class MarkerSet {
  private readonly markers = new Map<string, Marker>();

  constructor(
    private readonly lib: MapLibre,
    private readonly map: MapLibreMap,
    private readonly create: (key: string) => HTMLElement,
  ) {}

  /** Shows the markers of `wanted` (key → [lon, lat]); answers the ones that are new. */
  sync(wanted: Map<string, [number, number]>): Set<string> {
    const added = new Set<string>();
    for (const [key, marker] of this.markers) {
      if (wanted.has(key)) continue;
      marker.remove();
      this.markers.delete(key);
    }
    for (const [key, lngLat] of wanted) {
      const marker = this.markers.get(key);
      if (marker) {
        const at = marker.getLngLat();
        if (at.lng !== lngLat[0] || at.lat !== lngLat[1]) marker.setLngLat(lngLat);
        continue;
      }
      this.markers.set(key, new this.lib.Marker({ element: this.create(key), anchor: 'center' }).setLngLat(lngLat).addTo(this.map));
      added.add(key);
    }
    return added;
  }

  element(key: string): HTMLElement | undefined {
    return this.markers.get(key)?.getElement();
  }

  lngLat(key: string): [number, number] | undefined {
    const at = this.markers.get(key)?.getLngLat();
    return at ? [at.lng, at.lat] : undefined;
  }

  keys(): string[] {
    return [...this.markers.keys()];
  }

  clear(): void {
    this.sync(new Map());
  }
}

export class MapMarkers {
  private readonly technicians: MarkerSet;
  private readonly clusters: MarkerSet;
  private readonly cursor: MarkerSet;
  private positions = new Map<string, Position>();
  private look: (technicianId: string) => TechnicianLook = (id) => ({ name: id, selected: false, now: Date.now() });
  /** Set when the state changed: the next render redraws the technicians' contents too. */
  private dirty = true;

  constructor(
    lib: MapLibre,
    private readonly map: MapLibreMap,
    handlers: () => MarkerHandlers,
  ) {
    this.technicians = new MarkerSet(lib, map, (id) => technicianElement(id, handlers));
    this.clusters = new MarkerSet(lib, map, (key) => this.clusterElement(key));
    this.cursor = new MarkerSet(lib, map, () => {
      const element = Object.assign(document.createElement('div'), { className: 'playback-cursor' });
      element.dataset.testid = 'playback-cursor';
      return element;
    });
    map.on('render', () => this.refresh());
  }

  /** New data: the fixes (exact positions) and how each technician looks now. */
  update(positions: Map<string, Position>, look: (technicianId: string) => TechnicianLook): void {
    this.positions = positions;
    this.look = look;
    this.dirty = true;
    this.map.triggerRepaint();
  }

  showCursor(at: { lat: number; lon: number } | undefined): void {
    this.cursor.sync(new Map(at ? [['cursor', [at.lon, at.lat]]] : []));
  }

  /** Sources are cleared with the style: markers go too, until the new style's sources are loaded. */
  clear(): void {
    this.technicians.clear();
    this.clusters.clear();
  }

  private refresh(): void {
    if (!CLUSTERED.every((source) => this.map.getSource(source) && this.map.isSourceLoaded(source))) return;
    const alone = new Map<string, [number, number]>();
    const bubbles = new Map<string, [number, number]>();
    for (const source of CLUSTERED) {
      for (const feature of this.map.querySourceFeatures(source)) {
        const p = feature.properties;
        if (p.cluster) {
          const [lon, lat] = (feature.geometry as Point).coordinates as [number, number];
          bubbles.set(`${source}:${p.cluster_id}:${p.point_count}`, [lon, lat]);
        } else if (source === 'technicians') {
          const fix = this.positions.get(String(p.id));
          if (fix) alone.set(fix.subjectId, [fix.lon, fix.lat]);
        }
      }
    }
    const added = this.technicians.sync(alone);
    this.clusters.sync(bubbles);
    for (const id of this.dirty ? this.technicians.keys() : added) this.decorate(id);
    this.dirty = false;
  }

  private decorate(id: string): void {
    const element = this.technicians.element(id);
    const fix = this.positions.get(id);
    if (!element || !fix) return;
    const { name, selected, now } = this.look(id);
    const age = now - fix.at;
    const freshness = age < FRESH_MS ? 'fresh' : age < STALE_MS ? 'aging' : 'stale';
    // classList, not className: the marker's own maplibregl-* classes position it
    for (const f of ['fresh', 'aging', 'stale']) element.classList.toggle(f, f === freshness);
    element.classList.toggle('selected', selected);
    element.dataset.lat = String(fix.lat);
    element.dataset.lon = String(fix.lon);
    element.title = `${name} — ${Math.round((fix.speedMps ?? 0) * 3.6)} km/h, ${Math.round(age / 1000)} s ago${fix.batteryPct !== undefined ? `, battery ${fix.batteryPct}%` : ''}`;
    element.querySelector('.name')!.textContent = name;
    const heading = element.querySelector<HTMLElement>('.heading')!;
    heading.hidden = fix.headingDeg === undefined;
    heading.style.transform = `rotate(${fix.headingDeg ?? 0}deg)`;
  }

  /** A bubble with the cluster's count; a click zooms to where it splits. */
  private clusterElement(key: string): HTMLElement {
    const [source, clusterId, count] = key.split(':') as [string, string, string];
    const element = document.createElement('button');
    element.type = 'button';
    element.className = `cluster ${source}`;
    element.dataset.cluster = source;
    element.dataset.count = count;
    element.textContent = count;
    element.title = `${count} ${source} here — zoom in`;
    element.addEventListener('click', (event) => {
      event.stopPropagation();
      const center = this.clusters.lngLat(key);
      void this.map
        .getSource<GeoJSONSource>(source)
        ?.getClusterExpansionZoom(Number(clusterId))
        .then((zoom) => this.map.easeTo({ zoom, ...(center ? { center } : {}) }));
    });
    return element;
  }
}

function technicianElement(id: string, handlers: () => MarkerHandlers): HTMLElement {
  const element = Object.assign(document.createElement('div'), { className: 'technician' });
  element.dataset.technician = id;
  element.append(...['heading', 'dot', 'name'].map((className) => Object.assign(document.createElement('span'), { className })));
  element.addEventListener('click', (event) => {
    event.stopPropagation();
    handlers().onSelect(id);
  });
  element.addEventListener('dragover', (event) => event.preventDefault());
  element.addEventListener('drop', (event) => {
    const job = event.dataTransfer?.getData('text/fieldline-job');
    if (job) handlers().onAssign(job, id);
  });
  return element;
}
