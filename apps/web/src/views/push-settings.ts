import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import type { LiveStore } from '../live-store';
import { currentPush, disablePush, enablePush, pushSupported, type PushSubscriptionView } from '../push';
import { attempt } from './shared';

/** What a dispatcher can choose to be told with the page closed (the API's DISPATCHER_ALERTS). */
const DISPATCHER_ALERTS: [string, string][] = [
  ['job.completed', 'A job is completed'],
  ['tracking.signal_lost', 'A technician loses signal'],
  ['tracking.arrival_detected', 'A technician arrives at a job’s site'],
  ['tracking.geofence_entered', 'A technician enters a geofence'],
  ['tracking.geofence_exited', 'A technician leaves a geofence'],
];

/**
 * Notifications on this device: a technician's are their own jobs and calls (one button), a
 * dispatcher's the alerts they tick. Permission is asked from the button's click.
 */
export function PushSettings({ store }: { store: LiveStore }) {
  const technician = store.session.me.role === 'technician';
  const [current, setCurrent] = useState<PushSubscriptionView>();
  const [chosen, setChosen] = useState<string[]>(['job.completed', 'tracking.signal_lost']);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    void currentPush(store.session).then((s) => {
      setCurrent(s);
      if (s && !technician) setChosen(s.alerts);
    }, () => undefined);
  }, [store]);
  if (!pushSupported()) return html`<p class="muted" data-testid="push-unsupported">This browser cannot show notifications with the page closed.</p>`;

  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    await attempt(store, 'Notifications', action);
    setBusy(false);
  };
  const enable = () => run(async () => setCurrent(await enablePush(store.session, technician ? undefined : chosen)));
  const disable = () => run(async () => {
    await disablePush(store.session, current!.id);
    setCurrent(undefined);
  });
  const toggle = (alert: string) => setChosen(chosen.includes(alert) ? chosen.filter((a) => a !== alert) : [...chosen, alert]);

  return html`
    <section class="push-settings" data-testid="push-settings" data-state=${current ? 'on' : 'off'}>
      ${!technician && html`
        <fieldset>
          <legend>Notify me on this device when</legend>
          ${DISPATCHER_ALERTS.map(([alert, label]) => html`<label key=${alert}><input type="checkbox" checked=${chosen.includes(alert)} onChange=${() => toggle(alert)} data-alert=${alert} /> ${label}</label>`)}
        </fieldset>`}
      ${current
        ? html`<span class="muted">Notifications on</span>
            ${!technician && html`<button type="button" disabled=${busy} onClick=${enable} data-testid="push-save">Save</button>`}
            <button type="button" class="link" disabled=${busy} onClick=${disable} data-testid="push-disable">Turn off</button>`
        : html`<button type="button" disabled=${busy} onClick=${enable} data-testid="push-enable">${technician ? 'Notify me of jobs and calls' : 'Turn on notifications'}</button>`}
    </section>
  `;
}
