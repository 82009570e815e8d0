import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { JobView } from '../live-state';
import type { LiveStore } from '../live-store';
import { ActiveCall, IncomingCalls } from './call-panel';
import { ChatPanel } from './chat-panel';
import { attempt, ConnectionBadge, Notices, statusLabel } from './shared';

const NEXT_STEP: Record<string, { label: string; command: string }> = {
  assigned: { label: 'En route', command: 'travel' },
  en_route: { label: 'On site', command: 'arrive' },
  on_site: { label: 'Completed', command: 'complete' },
};

/** The technician's phone: my jobs with one button for the next step, the job's chat, and location sharing. */
export function TechnicianPage({ store, onLogout }: { store: LiveStore; onLogout: () => void }) {
  store.tick.value;
  const technicianId = store.session.me.technicianId;
  const me = technicianId ? store.state.technicians.get(technicianId) : undefined;
  const [open, setOpen] = useState<string>();
  const jobs = [...store.state.jobs.values()]
    .filter((j) => j.technicianId === technicianId && !['completed', 'cancelled'].includes(j.status))
    .sort((a, b) => (a.window?.start ?? a.updatedAt).localeCompare(b.window?.start ?? b.updatedAt));
  const done = [...store.state.jobs.values()].filter((j) => j.technicianId === technicianId && j.status === 'completed');

  const shift = (what: 'start' | 'end') => attempt(store, `Could not ${what} the shift`, () => store.session.post(`/technicians/${technicianId}/shift/${what}`));

  return html`
    <div class="technician-view">
      <header class="topbar">
        <strong>${me?.name ?? 'My jobs'}</strong>
        <${ConnectionBadge} store=${store} />
        <button type="button" onClick=${onLogout}>Sign out</button>
      </header>
      <section class="shift">
        <span data-testid="my-status">${me ? statusLabel(me.status) : ''}</span>
        ${me && me.status === 'off_shift' && html`<button type="button" onClick=${() => shift('start')}>Start shift</button>`}
        ${me && me.status !== 'off_shift' && html`<button type="button" onClick=${() => shift('end')}>End shift</button>`}
        <${ShareLocation} store=${store} />
      </section>
      ${!technicianId && html`<p class="error">This login is not linked to a technician.</p>`}
      ${jobs.length === 0 && html`<p class="muted">No open jobs.</p>`}
      <ul class="my-jobs">
        ${jobs.map((job) => html`<${MyJob} key=${job.jobId} store=${store} job=${job} open=${open === job.jobId} onToggle=${() => setOpen(open === job.jobId ? undefined : job.jobId)} />`)}
      </ul>
      ${done.length > 0 && html`<p class="muted">${done.length} completed today</p>`}
      <${IncomingCalls} store=${store} />
      <${ActiveCall} store=${store} />
      <${Notices} store=${store} />
    </div>
  `;
}

function MyJob({ store, job, open, onToggle }: { store: LiveStore; job: JobView; open: boolean; onToggle: () => void }) {
  const next = NEXT_STEP[job.status];
  const [busy, setBusy] = useState(false);
  const step = async () => {
    setBusy(true);
    const body = next!.command === 'complete' ? { summary: 'Completed on site' } : undefined;
    await attempt(store, `Could not mark ${job.title} ${next!.label.toLowerCase()}`, () => store.session.post(`/jobs/${encodeURIComponent(job.jobId)}/${next!.command}`, body));
    setBusy(false);
  };
  return html`
    <li class="my-job" data-testid="my-job" data-job=${job.jobId}>
      <header onClick=${onToggle}>
        <strong>${job.title}</strong>
        <span class=${`status ${job.status}`} data-testid="my-job-status">${statusLabel(job.status)}</span>
      </header>
      ${job.window && html`<p class="muted">${new Date(job.window.start).toLocaleTimeString()} – ${new Date(job.window.end).toLocaleTimeString()}</p>`}
      ${next && html`<button type="button" class="step" disabled=${busy} onClick=${step} data-testid="step" data-command=${next.command}>${next.label}</button>`}
      <button type="button" class="link" onClick=${onToggle} data-testid="open-chat">${open ? 'Hide chat' : 'Chat with dispatch'}</button>
      ${open && html`<${ChatPanel} store=${store} jobId=${job.jobId} />`}
    </li>
  `;
}

/** Shares the browser's geolocation through the API (an alternative to the MQTT phone app). */
function ShareLocation({ store }: { store: LiveStore }) {
  const [sharing, setSharing] = useState(false);
  const watch = useRef<number | undefined>(undefined);
  const technicianId = store.session.me.technicianId;
  useEffect(() => () => watch.current !== undefined && navigator.geolocation.clearWatch(watch.current), []);
  if (!technicianId || !('geolocation' in navigator)) return null;
  const toggle = () => {
    if (sharing) {
      navigator.geolocation.clearWatch(watch.current!);
      setSharing(false);
      return;
    }
    watch.current = navigator.geolocation.watchPosition(
      ({ coords, timestamp }) =>
        void attempt(store, 'Location not shared', () =>
          store.session.post(`/technicians/${encodeURIComponent(technicianId)}/locations`, {
            fixes: [{ lat: coords.latitude, lon: coords.longitude, at: new Date(timestamp).toISOString(), accuracyM: coords.accuracy, ...(coords.speed !== null ? { speedMps: coords.speed } : {}), ...(coords.heading !== null && !Number.isNaN(coords.heading) ? { headingDeg: coords.heading } : {}) }],
          }),
        ),
      (error) => {
        store.notify('error', `Location unavailable: ${error.message}. Allow location for this site, or use the phone app.`);
        setSharing(false);
      },
      { enableHighAccuracy: true, maximumAge: 5_000 },
    );
    setSharing(true);
  };
  return html`<label class="share"><input type="checkbox" checked=${sharing} onChange=${toggle} data-testid="share-location" /> Share my location</label>`;
}
