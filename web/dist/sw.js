// The service worker: keeps the page's shell (index.html, its hashed assets, the basemap,
// the catalogues) so that the page opens with no network; the API is never cached here
// (what it says must be current or visibly missing). The build fills in SHELL and VERSION.
const VERSION = '98507ce8896410ed';
const SHELL = ["/","/assets/layers-2x-TBM42ERR.png","/assets/layers-55W3Q4RM.png","/assets/main-3WKARKA6.js","/assets/main-5UKG6RFV.css","/assets/marker-icon-2V3QKKVC.png","/basemap/borders.json","/basemap/land.json","/basemap/places.json","/basemap/water.json","/index.html"];
const CACHE = `truce-shell-${VERSION}`;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((key) => key.startsWith('truce-shell-') && key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname === '/config.json') return;
  if (request.mode === 'navigate') {
    // Network first for the page itself, so a new version shows at once; the shell offline.
    event.respondWith(fetch(request).catch(() => caches.match('/index.html', { ignoreSearch: true })));
    return;
  }
  event.respondWith(caches.match(request).then((cached) => cached || fetch(request)));
});
