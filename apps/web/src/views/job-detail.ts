import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import type { LiveStore } from '../live-store';
import { attempt, statusLabel } from './shared';
import { CallButtons } from './call-panel';
import { ChatPanel } from './chat-panel';
import { HistoryItem, useJobHistory } from './job-history';
import { ProofThumbs } from './proof-panel';

interface Candidate {
  technicianId: string;
  name: string;
  distanceM?: number;
  etaS?: number;
}

/** Offers only qualified, available technicians: nearest first with distance and ETA when the job has a place. */
export async function candidatesFor(store: LiveStore, jobId: string): Promise<Candidate[]> {
  const job = store.state.jobs.get(jobId);
  if (job?.location) return store.session.get<Candidate[]>(`/jobs/${encodeURIComponent(jobId)}/nearest-technicians?limit=10`);
  const skills = job?.requiredSkills ?? [];
  return [...store.state.technicians.values()]
    .filter((t) => t.available && skills.every((s) => t.skills.includes(s)))
    .map((t) => ({ technicianId: t.technicianId, name: t.name }));
}

/** Assigns, or reassigns when the job already has someone. */
export function assign(store: LiveStore, jobId: string, technicianId: string): Promise<boolean> {
  const job = store.state.jobs.get(jobId);
  const path = job?.technicianId ? 'reassign' : 'assign';
  return attempt(store, `Could not assign ${job?.title ?? jobId}`, () => store.session.post(`/jobs/${encodeURIComponent(jobId)}/${path}`, { technicianId }));
}

export function JobDetail({ store, jobId, onClose }: { store: LiveStore; jobId: string; onClose: () => void }) {
  store.tick.value;
  const job = store.state.jobs.get(jobId);
  const [candidates, setCandidates] = useState<Candidate[]>();
  const history = useJobHistory(store, jobId, job?.version);

  useEffect(() => {
    setCandidates(undefined);
    if (job && ['unassigned', 'assigned'].includes(job.status)) {
      candidatesFor(store, jobId).then(setCandidates, (e: Error) => store.notify('error', `No candidates: ${e.message}`));
    }
  }, [jobId, job?.status, job?.technicianId]);

  if (!job) return null;
  const calls = [...store.state.calls.values()].filter((c) => c.jobId === jobId);
  const others = (candidates ?? []).filter((c) => c.technicianId !== job.technicianId);
  const technician = job.technicianId ? store.state.technicians.get(job.technicianId) : undefined;
  return html`
    <aside class="job-detail" data-testid="job-detail" data-job=${jobId}>
      <header>
        <h2>${job.title}</h2>
        <button type="button" class="close" onClick=${onClose} aria-label="Close">×</button>
      </header>
      <p><span class=${`status ${job.status}`} data-testid="job-status">${statusLabel(job.status)}</span> · ${job.priority} · skills ${job.requiredSkills.join(', ') || 'any'}</p>
      <p>Technician: <strong data-testid="job-technician">${technician?.name ?? job.technicianId ?? '—'}</strong>
        ${job.technicianId && html`<${CallButtons} store=${store} technicianId=${job.technicianId} jobId=${jobId} />`}</p>
      ${candidates && html`
        <section class="candidates">
          <h3>${job.technicianId ? 'Reassign to' : 'Assign to'}</h3>
          ${others.length === 0 && html`<p class="muted">No ${job.technicianId ? 'other ' : ''}qualified technician is available${job.location ? ' nearby' : ''}.</p>`}
          <ul>
            ${others.map((c) => html`
              <li key=${c.technicianId}>
                <button type="button" data-testid="candidate" data-technician=${c.technicianId} onClick=${() => assign(store, jobId, c.technicianId)}>
                  ${c.name}${c.distanceM !== undefined ? ` · ${(c.distanceM / 1000).toFixed(1)} km` : ''}${c.etaS !== undefined ? ` · ETA ${Math.round(c.etaS / 60)} min` : ''}
                </button>
              </li>`)}
          </ul>
        </section>`}
      <section class="proof">
        <h3>Proof of service</h3>
        <${ProofThumbs} store=${store} jobId=${jobId} version=${job.version} />
      </section>
      <${ChatPanel} store=${store} jobId=${jobId} />
      <section class="history">
        <h3>History</h3>
        <ol data-testid="job-history">
          ${history.map((e) => html`<${HistoryItem} key=${e.id} event=${e} />`)}
          ${calls.map((c) => html`<li key=${c.callId} data-testid="job-call" data-status=${c.status}><time>${new Date(c.startedAt).toLocaleTimeString()}</time> ${c.ptt ? 'push-to-talk' : (c.mode ?? '')} call${c.status === 'ended' ? `, ${Math.round((c.durationMs ?? 0) / 1000)} s — ${c.reason}` : ` (${c.status})`}</li>`)}
        </ol>
      </section>
    </aside>
  `;
}
