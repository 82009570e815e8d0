// The pages' service worker: keeps the app shell (the page, its hashed scripts and styles, the
// manifest and icons) so the technician's page opens and works with no signal. It never caches the
// API: what the page sends waits in its own outbox (src/outbox.ts), and reads are always fresh.
const CACHE = 'fieldline-shell-v1';
const SHELL = ['/app/', '/app/manifest.webmanifest', '/app/icon-192.png', '/app/icon-512.png'];

/** The shell and every asset the current page names (their names change with each build). */
async function precache() {
  const cache = await caches.open(CACHE);
  const page = await fetch('/app/', { cache: 'no-store' });
  const text = await page.clone().text();
  const assets = [...text.matchAll(/(?:src|href)="(\/app\/assets\/[^"]+)"/g)].map((m) => m[1]);
  await cache.put('/app/', page);
  await cache.addAll([...SHELL.slice(1), ...assets]);
}

self.addEventListener('install', (event) => event.waitUntil(precache().then(() => self.skipWaiting())));

self.addEventListener('activate', (event) =>
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  ),
);

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (request.mode === 'navigate' && url.pathname.startsWith('/app')) {
    // the page: fresh when online (a new build), the kept one when not
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok) caches.open(CACHE).then((c) => c.put('/app/', response.clone()));
          return response;
        })
        .catch(() => caches.match('/app/')),
    );
    return;
  }
  if (url.pathname.startsWith('/app/')) {
    // hashed assets never change under one name: the kept copy first
    event.respondWith(
      caches.match(request).then(
        (kept) =>
          kept ??
          fetch(request).then((response) => {
            if (response.ok) caches.open(CACHE).then((c) => c.put(request, response.clone()));
            return response;
          }),
      ),
    );
    return;
  }
  if (url.pathname === '/config/web') {
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok) caches.open(CACHE).then((c) => c.put(request, response.clone()));
          return response;
        })
        .catch(() => caches.match(request)),
    );
  }
});

// Push notifications (docs/web.md): the API's messages are JSON { title, body, tag, url, alert }. The tag
// is per job or call, so a newer message about the same job replaces the one shown; a message that is
// not ours still shows something (a push must show a notification, or the browser says so itself).
self.addEventListener('push', (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch {
    message = { body: event.data ? event.data.text() : '' };
  }
  const title = message.title || 'Fieldline';
  event.waitUntil(
    self.registration.showNotification(title, {
      body: message.body || '',
      tag: message.tag || undefined,
      renotify: Boolean(message.tag),
      requireInteraction: message.alert === 'call.incoming',
      icon: '/app/icon-192.png',
      badge: '/app/icon-192.png',
      data: { url: message.url || '/app/', alert: message.alert, eventId: message.eventId },
    }),
  );
});

/** Focuses a window of the app on `url` (navigating it there), or opens one. */
async function openPage(url) {
  const target = new URL(url, self.location.origin);
  if (target.origin !== self.location.origin) return undefined; // only our own pages
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const mine = windows.find((c) => new URL(c.url).pathname.startsWith('/app'));
  if (!mine) return self.clients.openWindow(target.href);
  // navigate works on a window this worker controls; focus only while a click is being handled
  const shown = mine.url === target.href ? mine : ((await mine.navigate(target.href).catch(() => null)) ?? mine);
  return shown.focus().catch(() => shown);
}
self.openPage = openPage; // the browser test drives it (a script cannot dispatch a trusted notificationclick)

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(openPage(event.notification.data?.url || '/app/'));
});
