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
