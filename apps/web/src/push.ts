import type { Session } from './session';

// Web Push for the pages: this browser's push subscription, registered with the API (docs/web.md). The
// service worker (public/sw.js) shows what arrives, with the page closed too.

export interface PushSubscriptionView {
  id: string;
  endpoint: string;
  alerts: string[];
}

export const pushSupported = (): boolean => 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;

const bytesOf = (base64url: string) => Uint8Array.from(atob(base64url.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));

const sameKey = (key: ArrayBuffer | null, base64url: string) => {
  const want = bytesOf(base64url);
  const have = key ? new Uint8Array(key) : new Uint8Array();
  return have.length === want.length && have.every((b, i) => b === want[i]);
};

/** This browser's subscription as the API knows it, if it has one. */
export async function currentPush(session: Session): Promise<PushSubscriptionView | undefined> {
  if (!pushSupported()) return undefined;
  const registration = await navigator.serviceWorker.getRegistration('/app/');
  const subscription = await registration?.pushManager.getSubscription();
  if (!subscription) return undefined;
  const mine = await session.get<PushSubscriptionView[]>('/push/subscriptions');
  return mine.find((s) => s.endpoint === subscription.endpoint);
}

/**
 * Asks for permission (call it from a click: browsers refuse the prompt otherwise), subscribes this
 * browser with the API's VAPID key and registers it with `alerts` (absent: every alert of the role).
 * Again later it updates the alerts (the API keys subscriptions by endpoint).
 */
export async function enablePush(session: Session, alerts?: string[]): Promise<PushSubscriptionView> {
  if (!pushSupported()) throw new Error('This browser cannot receive push notifications.');
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') {
    throw new Error(permission === 'denied' ? 'Notifications are blocked for this site: allow them in the browser’s site settings.' : 'Notifications were not allowed.');
  }
  const [registration, { publicKey }] = await Promise.all([navigator.serviceWorker.ready, session.get<{ publicKey: string }>('/push/vapid-public-key')]);
  let subscription = await registration.pushManager.getSubscription();
  // one made for another server key (the key was changed) cannot be used: made again
  if (subscription && !sameKey(subscription.options.applicationServerKey, publicKey)) {
    await subscription.unsubscribe();
    subscription = null;
  }
  try {
    subscription ??= await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: bytesOf(publicKey) });
  } catch (error) {
    throw new Error(`This browser’s push service did not answer (${(error as Error).message}).`);
  }
  return session.post<PushSubscriptionView>('/push/subscriptions', { ...subscription.toJSON(), ...(alerts ? { alerts } : {}) });
}

/** Stops notifications on this browser: forgotten by the API, then unsubscribed. */
export async function disablePush(session: Session, id: string): Promise<void> {
  await session.delete(`/push/subscriptions/${encodeURIComponent(id)}`);
  const registration = await navigator.serviceWorker.getRegistration('/app/');
  await (await registration?.pushManager.getSubscription())?.unsubscribe();
}
