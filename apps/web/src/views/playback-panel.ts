import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import type { LiveStore } from '../live-store';
import type { Playback } from './map-view';
import { attempt } from './shared';

const RANGES = [
  { label: 'last 15 min', ms: 15 * 60_000 },
  { label: 'last hour', ms: 3_600_000 },
  { label: 'last 8 hours', ms: 8 * 3_600_000 },
  { label: 'last 24 hours', ms: 24 * 3_600_000 },
];

/** A technician's track over a time range, drawn on the map with a scrubber; GPX export of the same range. */
export function PlaybackPanel({ store, technicianId: preselected, onPlayback }: { store: LiveStore; technicianId?: string; onPlayback: (p: Playback | undefined) => void }) {
  store.tick.value;
  const technicians = [...store.state.technicians.values()].sort((a, b) => a.name.localeCompare(b.name));
  const [technicianId, setTechnicianId] = useState(preselected ?? technicians[0]?.technicianId ?? '');
  const [rangeMs, setRangeMs] = useState(RANGES[1]!.ms);
  const [track, setTrack] = useState<Playback>();
  const [range, setRange] = useState<{ from: string; to: string }>();

  useEffect(() => () => onPlayback(undefined), []);
  const show = (p: Playback | undefined) => {
    setTrack(p);
    onPlayback(p);
  };

  const load = async () => {
    const to = new Date();
    const window = { from: new Date(to.getTime() - rangeMs).toISOString(), to: to.toISOString() };
    setRange(window);
    await attempt(store, 'Could not load the track', async () => {
      const reply = await store.session.get(`/technicians/${encodeURIComponent(technicianId)}/track?from=${window.from}&to=${window.to}&maxPoints=2000`);
      show({ technicianId, points: reply.points, index: Math.max(0, reply.points.length - 1) });
    });
  };

  const gpx = () =>
    attempt(store, 'Could not export GPX', async () => {
      const blob = await store.session.download(`/technicians/${encodeURIComponent(technicianId)}/track?from=${range!.from}&to=${range!.to}&format=gpx`);
      const link = Object.assign(document.createElement('a'), { href: URL.createObjectURL(blob), download: `${technicianId}-${range!.from.slice(0, 10)}.gpx` });
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 1_000);
    });

  const point = track?.points[track.index];
  return html`
    <div class="playback" data-testid="playback">
      <label>Technician
        <select value=${technicianId} onChange=${(e: Event) => setTechnicianId((e.target as HTMLSelectElement).value)} data-testid="playback-technician">
          ${technicians.map((t) => html`<option value=${t.technicianId}>${t.name}</option>`)}
        </select>
      </label>
      <label>Range
        <select value=${rangeMs} onChange=${(e: Event) => setRangeMs(Number((e.target as HTMLSelectElement).value))}>
          ${RANGES.map((r) => html`<option value=${r.ms}>${r.label}</option>`)}
        </select>
      </label>
      <button type="button" onClick=${load} disabled=${!technicianId} data-testid="playback-load">Show track</button>
      ${track && html`
        <p data-testid="playback-count">${track.points.length} fixes</p>
        ${track.points.length > 0 && html`
          <input type="range" min="0" max=${track.points.length - 1} value=${track.index} aria-label="Scrub through the track" data-testid="playback-scrubber"
            onInput=${(e: Event) => show({ ...track, index: Number((e.target as HTMLInputElement).value) })} />
          <p data-testid="playback-time">${point ? `${new Date(point.time).toLocaleTimeString()} · ${point.lat.toFixed(5)}, ${point.lon.toFixed(5)}` : ''}</p>
          <button type="button" onClick=${gpx} data-testid="playback-gpx">Export GPX</button>`}
        <button type="button" onClick=${() => show(undefined)}>Clear</button>`}
    </div>
  `;
}
