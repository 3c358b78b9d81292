// The service worker caches the page shell only, so that the page opens with no network.
// It never touches /api/: the page itself sends the submissions kept in IndexedDB.
"use strict";
const SHELL = "smartvote-observe-shell-1";
const FILES = ["/", "/moderate", "/static/observe.css", "/static/checks.js", "/static/outbox.js",
  "/static/observer.js", "/static/moderate.js"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((c) => c.addAll(FILES)).then(() => self.skipWaiting()));
});
self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((n) => n !== SHELL).map((n) => caches.delete(n))))
    .then(() => self.clients.claim()));
});
self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== location.origin || !FILES.includes(url.pathname)) return;
  // Network first (a new version arrives at once), the cached shell when the service is unreachable.
  event.respondWith(fetch(event.request).then((answer) => {
    const copy = answer.clone();
    if (answer.ok) caches.open(SHELL).then((c) => c.put(url.pathname, copy));
    return answer;
  }).catch(() => caches.match(url.pathname)));
});
