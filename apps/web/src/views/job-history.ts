import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import type { LiveStore } from '../live-store';

export interface HistoryEvent {
  id: string;
  type: string;
  occurredAt: string;
  actor?: { kind: string; id: string };
  data: Record<string, unknown>;
}

/** The job's events (GET /jobs/:id/events), reloaded whenever the job's version moves. */
export function useJobHistory(store: LiveStore, jobId: string, version: number | undefined): HistoryEvent[] {
  const [history, setHistory] = useState<HistoryEvent[]>([]);
  useEffect(() => {
    store.session.get<{ events: HistoryEvent[] }>(`/jobs/${encodeURIComponent(jobId)}/events`).then((r) => setHistory(r.events), () => setHistory([]));
  }, [jobId, version]);
  return history;
}

export const historyLabel = (e: HistoryEvent) => e.type.replace('job.', '').replace(/_/g, ' ');

export function HistoryItem({ event }: { event: HistoryEvent }) {
  return html`<li key=${event.id}><time>${new Date(event.occurredAt).toLocaleTimeString()}</time> ${historyLabel(event)}${event.actor ? html` <span class="muted">by ${event.actor.kind}</span>` : ''}</li>`;
}
