import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { type AlertView, JOB_COLUMNS } from '../live-state';
import type { LiveStore } from '../live-store';
import { ActiveCall, CallButtons } from './call-panel';
import { assign, JobDetail } from './job-detail';
import { MapView, type Place, type Playback } from './map-view';
import { PlaybackPanel } from './playback-panel';
import { PushSettings } from './push-settings';
import { ago, ConnectionBadge, Notices, statusLabel } from './shared';

type Tab = 'board' | 'people' | 'alerts' | 'playback' | 'settings';

/** The dispatcher's dashboard: the live map beside the job board, people, alerts and playback. */
export function DispatcherPage({ store, onLogout }: { store: LiveStore; onLogout: () => void }) {
  const [tab, setTab] = useState<Tab>('board');
  // a notification's link (/app/?job=…) opens that job
  const [jobId, setJobId] = useState<string | undefined>(() => new URLSearchParams(location.search).get('job') ?? undefined);
  const [selected, setSelected] = useState<string>();
  const [playback, setPlayback] = useState<Playback>();
  const [places, setPlaces] = useState<{ sites: Place[]; geofences: Place[] }>({ sites: [], geofences: [] });

  useEffect(() => {
    Promise.all([store.session.get('/sites?limit=200'), store.session.get('/geofences?limit=200')]).then(
      ([sites, geofences]) => setPlaces({ sites: sites.items, geofences: geofences.items }),
      () => store.notify('error', 'Sites and geofences could not be loaded; the map shows technicians and jobs only.'),
    );
  }, []);

  return html`
    <div class="dispatcher">
      <header class="topbar">
        <strong>Fieldline</strong>
        <span class="muted">dispatch · ${store.session.me.email}</span>
        <${ConnectionBadge} store=${store} />
        <button type="button" onClick=${onLogout}>Sign out</button>
      </header>
      <${MapView} store=${store} sites=${places.sites} geofences=${places.geofences} playback=${playback} selected=${selected}
        onSelect=${(id: string) => { setSelected(id); setTab('people'); }} onOpenJob=${setJobId} onAssign=${(job: string, technician: string) => assign(store, job, technician)} />
      <nav class="tabs" role="tablist">
        ${(['board', 'people', 'alerts', 'playback', 'settings'] as Tab[]).map((t) => html`<button type="button" role="tab" aria-selected=${tab === t} data-testid=${`tab-${t}`} onClick=${() => setTab(t)}>${t}</button>`)}
      </nav>
      <section class="side">
        ${tab === 'board' && html`<${JobBoard} store=${store} onOpen=${setJobId} />`}
        ${tab === 'people' && html`<${People} store=${store} selected=${selected} />`}
        ${tab === 'alerts' && html`<${Alerts} store=${store} geofences=${places.geofences} />`}
        ${tab === 'playback' && html`<${PlaybackPanel} store=${store} technicianId=${selected} onPlayback=${setPlayback} />`}
        ${tab === 'settings' && html`<${PushSettings} store=${store} />`}
      </section>
      ${jobId && html`<${JobDetail} store=${store} jobId=${jobId} onClose=${() => setJobId(undefined)} />`}
      <${ActiveCall} store=${store} />
      <${Notices} store=${store} />
    </div>
  `;
}

/** Columns by status; a card opens the job, and dropping it on a technician on the map assigns it. */
function JobBoard({ store, onOpen }: { store: LiveStore; onOpen: (jobId: string) => void }) {
  store.tick.value;
  return html`
    <div class="board" data-testid="board">
      ${JOB_COLUMNS.map((status) => {
        const jobs = store.state.column(status);
        if (jobs.length === 0 && ['completed', 'cancelled', 'on_hold'].includes(status)) return null;
        return html`
          <section class="column" key=${status} data-testid=${`column-${status}`}>
            <h3>${statusLabel(status)} <span class="count">${jobs.length}</span></h3>
            ${jobs.map((j) => html`
              <article key=${j.jobId} class=${`card ${j.priority}`} draggable=${true} data-testid="job-card" data-job=${j.jobId}
                onDragStart=${(e: DragEvent) => e.dataTransfer?.setData('text/fieldline-job', j.jobId)} onClick=${() => onOpen(j.jobId)}>
                <strong>${j.title}</strong>
                <span class="muted">${j.technicianId ? store.state.technicians.get(j.technicianId)?.name ?? j.technicianId : j.requiredSkills.join(', ')}</span>
              </article>`)}
          </section>`;
      })}
    </div>
  `;
}

/** Technicians with their status and presence (their own or their phone's), then the office. */
function People({ store, selected }: { store: LiveStore; selected?: string }) {
  store.tick.value;
  const me = store.session.me.userId;
  const others = [...store.state.presence.values()].filter((p) => !p.technicianId);
  return html`
    <div class="people" data-testid="people">
      <ul>
        ${[...store.state.technicians.values()].sort((a, b) => a.name.localeCompare(b.name)).map((t) => {
          const presence = store.state.technicianPresence(t.technicianId);
          const position = store.state.positions.get(t.technicianId);
          const state = presence.state;
          return html`
            <li key=${t.technicianId} class=${selected === t.technicianId ? 'selected' : ''} data-testid="person" data-technician=${t.technicianId} data-presence=${state}>
              <span class=${`dot ${state}`} title=${state}></span>
              <div>
                <strong>${t.name}</strong> <span class="muted">${statusLabel(t.status)}${t.available ? ' · available' : ''}</span>
                <small class="muted">${state === 'offline' && presence.lastSeenAt ? `last seen ${ago(presence.lastSeenAt)}` : state}${presence.phone ? ` · phone ${presence.phone}` : ''}${position ? ` · fix ${ago(position.at)}` : ''}</small>
              </div>
              <${CallButtons} store=${store} technicianId=${t.technicianId} />
            </li>`;
        })}
      </ul>
      ${others.length > 0 && html`<h3>Office</h3><ul>${others.map((p) => html`<li key=${p.userId} data-testid="office-person" data-presence=${p.state}><span class=${`dot ${p.state}`}></span><div>${p.userId === me ? 'You' : p.userId}<small class="muted">${p.state === 'offline' && p.lastSeenAt ? `last seen ${ago(p.lastSeenAt)}` : p.state}</small></div></li>`)}</ul>`}
    </div>
  `;
}

const ALERT_TEXT: Record<string, string> = {
  'tracking.geofence_entered': 'entered',
  'tracking.geofence_exited': 'left',
  'tracking.arrival_detected': 'arrived at the site of',
  'tracking.signal_lost': 'lost signal',
  'tracking.signal_restored': 'has signal again',
  'tracking.eta_updated': 'ETA updated for',
};

function Alerts({ store, geofences }: { store: LiveStore; geofences: Place[] }) {
  store.tick.value;
  const name = (id: string) => store.state.technicians.get(id)?.name ?? id;
  const fence = (id: unknown) => geofences.find((g) => g.id === id)?.name ?? String(id);
  const job = (id: unknown) => store.state.jobs.get(String(id))?.title ?? String(id);
  const object = (a: AlertView) =>
    a.data.jobId !== undefined ? job(a.data.jobId) : a.data.geofenceId !== undefined ? fence(a.data.geofenceId) : '';
  return html`
    <ol class="alerts" data-testid="alerts">
      ${store.state.alerts.length === 0 && html`<li class="muted">No alerts yet.</li>`}
      ${store.state.alerts.map((a) => html`
        <li key=${a.id} class=${a.type.replace('tracking.', '')} data-testid="alert" data-type=${a.type}>
          <time>${new Date(a.occurredAt).toLocaleTimeString()}</time>
          ${`${name(a.subjectId)} ${ALERT_TEXT[a.type] ?? a.type} ${object(a)}`.trim()}
          ${a.type === 'tracking.eta_updated' && typeof a.data.etaS === 'number' ? ` — ${Math.round(a.data.etaS / 60)} min` : ''}
        </li>`)}
    </ol>
  `;
}
