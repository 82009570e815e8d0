import { html } from 'htm/preact';
import type { LiveStore } from '../live-store';

const LABELS: Record<string, string> = { open: 'Live', connecting: 'Connecting…', reconnecting: 'Reconnecting…', closed: 'Disconnected', offline: 'Offline' };

/** The connection indicator: live, reconnecting, offline. */
export function ConnectionBadge({ store }: { store: LiveStore }) {
  const state = store.connection.value;
  const since = store.connectedSince.value;
  const title = state === 'open' ? `Live since ${new Date(since).toLocaleTimeString()}` : 'Realtime connection';
  return html`<span class=${`connection ${state}`} data-testid="connection" data-state=${state} data-since=${since} title=${title}>${LABELS[state] ?? state}</span>`;
}

export function Notices({ store }: { store: LiveStore }) {
  return html`<div class="notices" aria-live="polite">
    ${store.notices.value.map((n) => html`<p key=${n.id} class=${`notice ${n.tone}`} data-testid="notice">${n.text}</p>`)}
  </div>`;
}

export const statusLabel = (status: string) => status.replace('_', ' ');

export function ago(at: number | string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - (typeof at === 'number' ? at : Date.parse(at))) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  return `${Math.floor(s / 3600)} h ago`;
}

/** Runs a command; a refusal (problem+json) becomes an error notice the person can act on. */
export async function attempt(store: LiveStore, what: string, action: () => Promise<unknown>): Promise<boolean> {
  try {
    await action();
    return true;
  } catch (error) {
    const e = error as Error & { title?: string; detail?: string };
    store.notify('error', `${what}: ${e.detail || e.title || e.message}`);
    return false;
  }
}
