import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { LiveStore, type WebConfig } from '../live-store';
import { Session } from '../session';
import { DispatcherPage } from './dispatcher-page';
import { LoginPage } from './login-page';
import { TechnicianPage } from './technician-page';

/** Signed out: the login; signed in: the dispatcher dashboard, or the technician view for technicians. */
export function App() {
  const [session, setSession] = useState<Session | undefined>(() => Session.restore());
  const [store, setStore] = useState<LiveStore>();
  const [failure, setFailure] = useState<string>();

  useEffect(() => {
    if (!session) return;
    let live: LiveStore | undefined;
    fetch('/config/web')
      .then((r) => (r.ok ? (r.json() as Promise<WebConfig>) : { realtimeUrl: null, mediaUrl: null, mapStyleUrl: null }))
      .then(async (config) => {
        live = new LiveStore(session, config);
        await live.start();
        setStore(live);
      })
      .catch((error: Error) => setFailure(`${error.message} — reload the page to try again.`));
    return () => live?.stop();
  }, [session]);

  const logout = async () => {
    await session?.logout();
    setStore(undefined);
    setSession(undefined);
  };

  if (!session) return html`<${LoginPage} onLogin=${setSession} />`;
  if (failure) return html`<p class="fatal" role="alert">${failure}</p>`;
  if (!store) return html`<p class="loading">Loading the boards…</p>`;
  return session.me.role === 'technician'
    ? html`<${TechnicianPage} store=${store} onLogout=${logout} />`
    : html`<${DispatcherPage} store=${store} onLogout=${logout} />`;
}
