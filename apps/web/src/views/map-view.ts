import { html } from 'htm/preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { LiveStore } from '../live-store';
import { fitView, type LatLon, metresToPixels, project, tilesFor, type View, visibleBounds, zoomAt } from '../map-projection';

export interface Place {
  id: string;
  name: string;
  location?: LatLon;
  siteId?: string;
  shape?: { kind: 'circle'; center: LatLon; radiusM: number } | { kind: 'polygon'; points: LatLon[] };
}

export interface Playback {
  technicianId: string;
  points: (LatLon & { time: string })[];
  index: number;
}

const FRESH_MS = 60_000;
const STALE_MS = 5 * 60_000;
const STATUS_COLOURS: Record<string, string> = { unassigned: '#d97706', assigned: '#2563eb', en_route: '#7c3aed', on_site: '#059669', on_hold: '#6b7280' };

/**
 * The live map, drawn as vectors from our own data (no tiles reachable here): technicians with heading,
 * freshness and a trail, sites, geofences and open jobs. Tiles from MAP_TILES_URL go underneath when set.
 * Drag to pan, wheel to zoom; the visible box is the realtime viewport subscription. A job card
 * dropped on a technician assigns the job to them.
 */
export function MapView({ store, sites, geofences, playback, selected, onSelect, onOpenJob, onAssign }: { store: LiveStore; sites: Place[]; geofences: Place[]; playback?: Playback; selected?: string; onSelect: (technicianId: string) => void; onOpenJob: (jobId: string) => void; onAssign: (jobId: string, technicianId: string) => void }) {
  store.tick.value; // re-render on live changes
  const box = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState({ width: 800, height: 600 });
  const [view, setView] = useState<View>();
  const [now, setNow] = useState(Date.now());
  const drag = useRef<{ x: number; y: number; view: View } | undefined>(undefined);
  const { state } = store;

  useEffect(() => {
    const element = box.current!;
    const observer = new ResizeObserver(() => setSize({ width: element.clientWidth, height: element.clientHeight }));
    observer.observe(element);
    const timer = setInterval(() => setNow(Date.now()), 5_000); // freshness fades even without updates
    return () => {
      observer.disconnect();
      clearInterval(timer);
    };
  }, []);

  const everything = (): LatLon[] => [
    ...state.positions.values(),
    ...sites.flatMap((s) => (s.location ? [s.location] : [])),
    ...[...state.jobs.values()].flatMap((j) => (j.location && !['completed', 'cancelled'].includes(j.status) ? [j.location] : [])),
  ];
  // Fit once there is something to show; after that the person's pan and zoom are kept.
  const points = everything();
  useEffect(() => {
    if (!view && points.length > 0 && size.width > 0) setView(fitView(points, size.width, size.height));
  }, [points.length > 0, size.width]);

  const current = view ?? fitView(points, size.width, size.height);
  const at = (p: LatLon) => project(current, size.width, size.height, p);

  // Only what is on screen streams to this page.
  useEffect(() => {
    if (!view) return;
    const timer = setTimeout(() => store.client.setViewport(padded(visibleBounds(view, size.width, size.height))), 250);
    return () => clearTimeout(timer);
  }, [view, size.width, size.height]);

  const tiles = useMemo(() => (store.config.mapTilesUrl ? tilesFor(current, size.width, size.height) : []), [current, size, store.config.mapTilesUrl]);
  const graticule = useMemo(() => gridLines(current, size.width, size.height), [current, size]);

  const onWheel = (event: WheelEvent) => {
    event.preventDefault();
    const rect = box.current!.getBoundingClientRect();
    setView(zoomAt(current, size.width, size.height, event.clientX - rect.left, event.clientY - rect.top, event.deltaY < 0 ? 1.25 : 0.8));
  };
  const onPointerDown = (event: PointerEvent) => {
    if ((event.target as Element).closest('[data-technician], [data-job]')) return;
    drag.current = { x: event.clientX, y: event.clientY, view: current };
    (event.currentTarget as Element).setPointerCapture(event.pointerId);
  };
  const onPointerMove = (event: PointerEvent) => {
    const start = drag.current;
    if (!start) return;
    setView({ ...start.view, cx: start.view.cx - (event.clientX - start.x) / start.view.scale, cy: start.view.cy - (event.clientY - start.y) / start.view.scale });
  };

  const technicians = [...state.positions.values()];
  const track = playback?.points ?? [];
  const cursor = playback ? track[playback.index] : undefined;

  return html`
    <div class="map" ref=${box} onWheel=${onWheel} onPointerDown=${onPointerDown} onPointerMove=${onPointerMove} onPointerUp=${() => (drag.current = undefined)} data-testid="map">
      <svg width=${size.width} height=${size.height} role="img" aria-label="Map of technicians, sites and jobs">
        ${tiles.map((t) => html`<image key=${`${t.z}/${t.x}/${t.y}`} href=${tileUrl(store.config.mapTilesUrl!, t)} x=${t.left} y=${t.top} width=${t.size + 0.5} height=${t.size + 0.5} />`)}
        <g class="graticule">${graticule.map((d) => html`<path d=${d} />`)}</g>
        <g class="geofences">
          ${geofences.map((g) => {
            if (g.shape?.kind === 'circle') {
              const [x, y] = at(g.shape.center);
              return html`<circle key=${g.id} cx=${x} cy=${y} r=${metresToPixels(current, g.shape.center.lat, g.shape.radiusM)}><title>${g.name}</title></circle>`;
            }
            if (g.shape?.kind === 'polygon') return html`<polygon key=${g.id} points=${g.shape.points.map((p) => at(p).join(',')).join(' ')}><title>${g.name}</title></polygon>`;
            return null;
          })}
        </g>
        <g class="sites">
          ${sites.filter((s) => s.location).map((s) => {
            const [x, y] = at(s.location!);
            return html`<g key=${s.id} transform=${`translate(${x},${y})`}><rect x="-5" y="-5" width="10" height="10" /><text x="8" y="4">${s.name}</text></g>`;
          })}
        </g>
        <g class="jobs">
          ${[...state.jobs.values()].filter((j) => j.location && STATUS_COLOURS[j.status]).map((j) => {
            const [x, y] = at(j.location!);
            return html`<path key=${j.jobId} d=${`M${x},${y} l-6,-14 a6,6 0 1,1 12,0 z`} fill=${STATUS_COLOURS[j.status]} class="job-pin" data-job=${j.jobId} onClick=${() => onOpenJob(j.jobId)}><title>${j.title} (${j.status})</title></path>`;
          })}
        </g>
        <g class="trails">
          ${technicians.map((p) => {
            const trail = state.trails.get(p.subjectId) ?? [];
            return trail.length > 1 ? html`<polyline key=${p.subjectId} points=${trail.map((t) => at(t).join(',')).join(' ')} />` : null;
          })}
        </g>
        ${track.length > 1 && html`<polyline class="playback-track" points=${track.map((t) => at(t).join(',')).join(' ')} />`}
        ${cursor && html`<circle class="playback-cursor" data-testid="playback-cursor" cx=${at(cursor)[0]} cy=${at(cursor)[1]} r="7" />`}
        <g class="technicians">
          ${technicians.map((p) => {
            const [x, y] = at(p);
            const age = now - p.at;
            const freshness = age < FRESH_MS ? 'fresh' : age < STALE_MS ? 'aging' : 'stale';
            const name = state.technicians.get(p.subjectId)?.name ?? p.subjectId;
            return html`
              <g key=${p.subjectId} class=${`technician ${freshness}${selected === p.subjectId ? ' selected' : ''}`} transform=${`translate(${x},${y})`}
                 data-technician=${p.subjectId} data-lat=${p.lat} data-lon=${p.lon} onClick=${() => onSelect(p.subjectId)}
                 onDragOver=${(e: DragEvent) => e.preventDefault()} onDrop=${(e: DragEvent) => { const job = e.dataTransfer?.getData('text/fieldline-job'); if (job) onAssign(job, p.subjectId); }}>
                <circle r="9" />
                ${p.headingDeg !== undefined && html`<path class="heading" d="M0,-16 L5,-8 L-5,-8 z" transform=${`rotate(${p.headingDeg})`} />`}
                <text x="12" y="4">${name}</text>
                <title>${name} — ${Math.round((p.speedMps ?? 0) * 3.6)} km/h, ${Math.round(age / 1000)} s ago${p.batteryPct !== undefined ? `, battery ${p.batteryPct}%` : ''}</title>
              </g>`;
          })}
        </g>
      </svg>
      <div class="map-controls">
        <button type="button" title="Zoom in" onClick=${() => setView(zoomAt(current, size.width, size.height, size.width / 2, size.height / 2, 1.5))}>+</button>
        <button type="button" title="Zoom out" onClick=${() => setView(zoomAt(current, size.width, size.height, size.width / 2, size.height / 2, 1 / 1.5))}>−</button>
        <button type="button" title="Fit everything" onClick=${() => setView(fitView(everything(), size.width, size.height))}>⤢</button>
      </div>
    </div>
  `;
}

function padded(b: { west: number; south: number; east: number; north: number }) {
  const dx = (b.east - b.west) * 0.2;
  const dy = (b.north - b.south) * 0.2;
  const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));
  return { west: clamp(b.west - dx, -180, 180), east: clamp(b.east + dx, -180, 180), south: clamp(b.south - dy, -85, 85), north: clamp(b.north + dy, -85, 85) };
}

function tileUrl(template: string, t: { z: number; x: number; y: number }): string {
  return template.replace('{z}', String(t.z)).replace('{x}', String(t.x)).replace('{y}', String(t.y));
}

/** Lines of latitude and longitude at a round step that gives about 6–12 lines across. */
function gridLines(view: View, width: number, height: number): string[] {
  const b = visibleBounds(view, width, height);
  const span = Math.max(b.east - b.west, 1e-6);
  const step = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 45].find((s) => span / s <= 12) ?? 45;
  const lines: string[] = [];
  for (let lon = Math.ceil(b.west / step) * step; lon <= b.east; lon += step) {
    const [x] = project(view, width, height, { lat: 0, lon });
    lines.push(`M${x},0 V${height}`);
  }
  for (let lat = Math.ceil(b.south / step) * step; lat <= b.north; lat += step) {
    const [, y] = project(view, width, height, { lat, lon: 0 });
    lines.push(`M0,${y} H${width}`);
  }
  return lines;
}
