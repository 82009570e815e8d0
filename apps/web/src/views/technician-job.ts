import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { geoLink, mapsLink, telLink } from '../field-links';
import type { JobView } from '../live-state';
import type { LiveStore } from '../live-store';
import { HistoryItem, useJobHistory } from './job-history';
import { ProofPanel } from './proof-panel';
import { attempt } from './shared';
import type { Field } from './technician-page';

/** GET /jobs/:id/detail (the API's JobDetailView). */
export interface JobDetail {
  site?: { id: string; name: string; address: string; location: { lat: number; lon: number } };
  customer?: { id: string; name: string; phone?: string; email?: string };
  notes: { noteId: string; text: string; authorId: string; at: string }[];
  summary?: string;
  job: { description?: string };
}

function useJobDetail(store: LiveStore, jobId: string, version: number): JobDetail | undefined {
  const [detail, setDetail] = useState<JobDetail>();
  useEffect(() => {
    store.session.get<JobDetail>(`/jobs/${encodeURIComponent(jobId)}/detail`).then(setDetail, (e: Error) => store.notify('error', `Job details not loaded: ${e.message}`));
  }, [jobId, version]);
  return detail;
}

/** One job as the technician opens it: where, who, what, the notes so far and the history. */
export function TechnicianJob({ store, field, job }: { store: LiveStore; field: Field; job: JobView }) {
  const detail = useJobDetail(store, job.jobId, job.version);
  const history = useJobHistory(store, job.jobId, job.version);
  const place = detail?.site?.location ?? job.location;
  const label = detail?.site?.name ?? job.title;
  return html`
    <section class="job-sheet" data-testid="job-sheet">
      ${detail?.job.description && html`<p data-testid="job-description">${detail.job.description}</p>`}
      <p class="muted">Skills: <span data-testid="job-skills">${job.requiredSkills.join(', ') || 'any'}</span></p>
      ${detail?.site && html`<p data-testid="job-site"><strong>${detail.site.name}</strong><br />${detail.site.address}</p>`}
      ${place && html`
        <p class="navigate">
          <a href=${geoLink(place, label)} data-testid="navigate-geo">Navigate</a>
          <a href=${mapsLink(place)} target="_blank" rel="noopener" data-testid="navigate-maps">Open in Maps</a>
        </p>`}
      ${detail?.customer && html`
        <p data-testid="job-customer">${detail.customer.name}
          ${detail.customer.phone && html` · <a href=${telLink(detail.customer.phone)} data-testid="call-customer">${detail.customer.phone}</a>`}</p>`}
      <${Notes} store=${store} field=${field} jobId=${job.jobId} notes=${detail?.notes ?? []} />
      ${['on_site', 'completed'].includes(job.status) && html`<${ProofPanel} store=${store} field=${field} jobId=${job.jobId} version=${job.version} />`}
      ${detail?.summary && html`<p>Completed: ${detail.summary}</p>`}
      <h4>History</h4>
      <ol class="history" data-testid="my-job-history">${history.map((e) => html`<${HistoryItem} key=${e.id} event=${e} />`)}</ol>
    </section>
  `;
}

function Notes({ store, field, jobId, notes }: { store: LiveStore; field: Field; jobId: string; notes: JobDetail['notes'] }) {
  const [text, setText] = useState('');
  const waiting = field.pending.filter((e) => e.jobId === jobId && e.kind === 'note');
  const add = async (event: Event) => {
    event.preventDefault();
    const note = text.trim();
    if (!note) return;
    const queued = () => field.outbox.add({ jobId, kind: 'note', label: note, path: `/jobs/${encodeURIComponent(jobId)}/notes`, body: { text: note } });
    if (await attempt(store, 'Note not kept', queued)) setText('');
  };
  return html`
    <h4>Notes</h4>
    <ul class="notes" data-testid="job-notes">
      ${notes.map((n) => html`<li key=${n.noteId}><time>${new Date(n.at).toLocaleTimeString()}</time> ${n.text}</li>`)}
      ${waiting.map((e) => html`<li key=${e.idempotencyKey} class="pending" data-testid="note-waiting">${e.label} (waiting to send)</li>`)}
    </ul>
    <form class="note-form" onSubmit=${add}>
      <textarea aria-label="Note" data-testid="note-text" value=${text} onInput=${(e: Event) => setText((e.target as HTMLTextAreaElement).value)}></textarea>
      <button type="submit" data-testid="add-note">Add note</button>
    </form>
  `;
}
