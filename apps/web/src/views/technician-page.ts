import { html } from 'htm/preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { localWindow, myDay } from '../field-links';
import type { JobView } from '../live-state';
import type { LiveStore } from '../live-store';
import { Outbox, type OutboxEntry } from '../outbox';
import { ActiveCall, IncomingCalls } from './call-panel';
import { ChatPanel } from './chat-panel';
import { PushSettings } from './push-settings';
import { attempt, ConnectionBadge, Notices, statusLabel } from './shared';
import { TechnicianJob } from './technician-job';
import '../technician.css';

/** The outbox and what waits in it, for every part of the page that changes something. */
export interface Field {
  outbox: Outbox;
  pending: OutboxEntry[];
}

const NEXT_STEP: Record<string, { label: string; command: string }> = {
  assigned: { label: 'En route', command: 'travel' },
  en_route: { label: 'On site', command: 'arrive' },
  on_site: { label: 'Completed', command: 'complete' },
};

/** The technician's phone: my day in order, each job with one button for the next step, its details and chat, and location sharing. */
export function TechnicianPage({ store, onLogout }: { store: LiveStore; onLogout: () => void }) {
  store.tick.value;
  const technicianId = store.session.me.technicianId;
  const me = technicianId ? store.state.technicians.get(technicianId) : undefined;
  // a notification's link (/app/?job=…) opens that job's details
  const [open, setOpen] = useState<{ jobId: string; part: 'chat' | 'detail' } | undefined>(() => {
    const linked = new URLSearchParams(location.search).get('job');
    return linked ? { jobId: linked, part: 'detail' } : undefined;
  });
  const day = myDay(store.state.jobs.values(), technicianId, new Date());
  const toggle = (jobId: string, part: 'chat' | 'detail') => setOpen(open?.jobId === jobId && open.part === part ? undefined : { jobId, part });
  const [pending, setPending] = useState<OutboxEntry[]>([]);
  const outbox = useMemo(
    () => new Outbox(store.session, setPending, (entry, error) => store.notify('error', `${entry.label} was refused: ${error.detail || error.title}`)),
    [store],
  );
  useEffect(() => {
    outbox.start();
    void outbox.pending().then(setPending);
    return () => outbox.stop();
  }, [outbox]);
  const field: Field = { outbox, pending };

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
      <${PushSettings} store=${store} />
      ${!technicianId && html`<p class="error">This login is not linked to a technician.</p>`}
      ${pending.length > 0 && html`<p class="outbox" data-testid="outbox" data-pending=${pending.length}>${pending.length} change${pending.length === 1 ? '' : 's'} waiting to send — they go out in order when the signal is back.</p>`}
      ${day.length === 0 && html`<p class="muted">No jobs today.</p>`}
      <ol class="my-jobs" data-testid="my-day">
        ${day.map((job) => html`<${MyJob} key=${job.jobId} store=${store} field=${field} job=${job} open=${open?.jobId === job.jobId ? open.part : undefined} onToggle=${(part: 'chat' | 'detail') => toggle(job.jobId, part)} />`)}
      </ol>
      <${IncomingCalls} store=${store} />
      <${ActiveCall} store=${store} />
      <${Notices} store=${store} />
    </div>
  `;
}

/** A job of my day; a completed one stays in its place, marked done (testid my-done-job). */
function MyJob({ store, field, job, open, onToggle }: { store: LiveStore; field: Field; job: JobView; open?: 'chat' | 'detail'; onToggle: (part: 'chat' | 'detail') => void }) {
  const next = NEXT_STEP[job.status];
  const [busy, setBusy] = useState(false);
  // a status change waiting in the outbox: the next step is not offered until it has gone out
  const queued = field.pending.find((e) => e.jobId === job.jobId && e.kind === 'status');
  const step = async () => {
    setBusy(true);
    const body = next!.command === 'complete' ? { summary: 'Completed on site' } : undefined;
    await attempt(store, `Could not mark ${job.title} ${next!.label.toLowerCase()}`, () =>
      field.outbox.add({ jobId: job.jobId, kind: 'status', label: next!.label, path: `/jobs/${encodeURIComponent(job.jobId)}/${next!.command}`, body }),
    );
    setBusy(false);
  };
  return html`
    <li class=${`my-job ${job.status}`} data-testid=${job.status === 'completed' ? 'my-done-job' : 'my-job'} data-job=${job.jobId}>
      <header onClick=${() => onToggle('detail')}>
        <strong>${job.title}</strong>
        <span class=${`status ${job.status}`} data-testid="my-job-status">${statusLabel(job.status)}</span>
      </header>
      ${job.window && html`<p class="muted">${localWindow(job.window)}</p>`}
      ${queued && html`<p class="pending" data-testid="queued-step">${queued.label} — waiting to send</p>`}
      ${next && !queued && html`<button type="button" class="step" disabled=${busy} onClick=${step} data-testid="step" data-command=${next.command}>${next.label}</button>`}
      <button type="button" class="link" onClick=${() => onToggle('detail')} data-testid="open-detail">${open === 'detail' ? 'Hide details' : 'Details'}</button>
      <button type="button" class="link" onClick=${() => onToggle('chat')} data-testid="open-chat">${open === 'chat' ? 'Hide chat' : 'Chat with dispatch'}</button>
      ${open === 'detail' && html`<${TechnicianJob} store=${store} field=${field} job=${job} />`}
      ${open === 'chat' && html`<${ChatPanel} store=${store} jobId=${job.jobId} />`}
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
