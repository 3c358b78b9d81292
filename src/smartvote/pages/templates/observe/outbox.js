// What both pages share: the device's store (IndexedDB), the token from the URL fragment,
// the language switch and the API calls. Nothing here talks to any origin but the page's own.
"use strict";
const Device = (() => {
  const DB = "smartvote-observe";
  let opened = null;

  function open() {
    if (!opened) {
      opened = new Promise((resolve, reject) => {
        const req = indexedDB.open(DB, 1);
        req.onupgradeneeded = () => {
          req.result.createObjectStore("outbox", {keyPath: "id"});
          req.result.createObjectStore("kv");
        };
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
    }
    return opened;
  }

  async function tx(store, mode, work) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const t = db.transaction(store, mode);
      const req = work(t.objectStore(store));
      t.oncomplete = () => resolve(req && req.result);
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error);
    });
  }

  const get = (key) => tx("kv", "readonly", (s) => s.get(key));
  const set = (key, value) => tx("kv", "readwrite", (s) => s.put(value, key));
  const items = () => tx("outbox", "readonly", (s) => s.getAll());
  const save = (item) => tx("outbox", "readwrite", (s) => s.put(item));
  const remove = (id) => tx("outbox", "readwrite", (s) => s.delete(id));

  // "Forget me": the database, every cache of the service worker, the worker itself.
  async function wipe() {
    if (opened) (await opened).close();
    opened = null;
    await new Promise((resolve) => {
      const req = indexedDB.deleteDatabase(DB);
      req.onsuccess = req.onerror = req.onblocked = () => resolve();
    });
    if (self.caches) for (const name of await caches.keys()) await caches.delete(name);
    if (navigator.serviceWorker) {
      for (const r of await navigator.serviceWorker.getRegistrations()) await r.unregister();
    }
    try { localStorage.clear(); sessionStorage.clear(); } catch (e) { /* storage disabled */ }
  }

  // The token from "/#t=TOKEN", removed from the address (and so from history) at once.
  function tokenFromFragment() {
    const match = /^#t=([A-Za-z0-9-]+)$/.exec(location.hash);
    if (location.hash) history.replaceState(null, "", location.pathname + location.search);
    return match ? match[1] : null;
  }

  // One API call; resolves {status, body} or rejects on a network failure (server unreachable).
  async function api(token, method, path, body, type) {
    const headers = {Authorization: `Bearer ${token}`};
    if (body !== undefined && !type) headers["Content-Type"] = "application/json";
    if (type) headers["Content-Type"] = type;
    const init = {method, headers, cache: "no-store", credentials: "omit", referrerPolicy: "no-referrer"};
    if (body !== undefined) init.body = type ? body : JSON.stringify(body);
    const answer = await fetch(path, init);
    const kind = answer.headers.get("content-type") || "";
    const data = kind.startsWith("application/json") ? await answer.json() : await answer.blob();
    return {status: answer.status, body: data};
  }

  // Russian by default, English where the browser asks for it, or as switched (and kept).
  async function language() {
    const kept = await get("lang").catch(() => null);
    if (kept) return kept;
    return (navigator.language || "ru").toLowerCase().startsWith("en") ? "en" : "ru";
  }

  function translate(words, lang) {
    document.documentElement.lang = lang;
    for (const el of document.querySelectorAll("[data-t]")) {
      const text = words[lang][el.dataset.t];
      if (text !== undefined) el.textContent = text;
    }
    for (const el of document.querySelectorAll("[data-t-label]")) {
      el.setAttribute("aria-label", words[lang][el.dataset.tLabel]);
    }
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === false || v === null || v === undefined) continue;
      if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children) if (c !== null && c !== undefined) node.append(c);
    return node;
  }

  return {get, set, items, save, remove, wipe, tokenFromFragment, api, language, translate, el};
})();
