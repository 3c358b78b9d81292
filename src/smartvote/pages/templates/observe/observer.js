// The observer's page: sign in, fill the protocol from the form data, keep it in the outbox
// (IndexedDB) before any request, send it with the same id until the server's receipt comes.
"use strict";
const WORDS = {
  ru: {title: "Протокол участка", signin: "Вход по коду", token: "Код с карточки", remember: "Помнить на этом телефоне",
    enter: "Войти", contest: "Выборы", station: "Номер участка", kind: "Протокол", "kind-protocol": "Протокол",
    "kind-repeat": "Повторный протокол", supersedes: "Исправление моей отправки", lines: "Строки протокола",
    choices: "Голоса", confirm: "Я проверил(а): так подписано комиссией", photos: "Фото протокола",
    camera: "Снять камерой", gallery: "Выбрать из галереи", send: "Сохранить и отправить", outbox: "Отправки",
    forget: "Забыть меня на этом телефоне", none: "— новая отправка —", waiting: "ждёт сети",
    sending: "отправляется", acknowledged: "принято сервером — квитанция", refused: "отклонено сервером",
    hard: "Нарушено контрольное соотношение", soft: "Проверьте", photoCount: "Фото: ", unknown: "Код не принят",
    noNet: "Нет связи с сервером: код будет проверен позже.", needConfirm: "Подтвердите, что так подписано комиссией.",
    noSW: "Этот браузер не может открыть страницу без сети (нет service worker).",
    noPersist: "Браузер может удалить сохранённое при нехватке места: отправьте, как только будет сеть.",
    noIDB: "Этот браузер не может хранить отправки: без сети они пропадут.", role: "Роль: ", wipe: "Неотправленные протоколы будут удалены. Забыть?",
    empty: "Пусто = не читается", remove: "Удалить", hardMark: "подтверждено как подписано", station_: "участок"},
  en: {title: "Station protocol", signin: "Sign in with your code", token: "Code from your card",
    remember: "Remember on this phone", enter: "Sign in", contest: "Election", station: "Station number",
    kind: "Protocol", "kind-protocol": "Protocol", "kind-repeat": "Repeat protocol",
    supersedes: "Correction of my submission", lines: "Protocol lines", choices: "Votes",
    confirm: "I checked: this is what the commission signed", photos: "Photos of the protocol",
    camera: "Take with the camera", gallery: "Choose from the gallery", send: "Save and send", outbox: "Submissions",
    forget: "Forget me on this phone", none: "— a new submission —", waiting: "waiting for network",
    sending: "sending", acknowledged: "acknowledged — receipt", refused: "refused by the server",
    hard: "A control relation is broken", soft: "Please check", photoCount: "Photos: ", unknown: "Code not accepted",
    noNet: "The server is unreachable: the code will be checked later.",
    needConfirm: "Confirm that this is what the commission signed.",
    noSW: "This browser cannot open the page without network (no service worker).",
    noPersist: "The browser may delete what is kept here when space is low: send as soon as you have network.",
    noIDB: "This browser cannot keep submissions: without network they are lost.", role: "Role: ",
    wipe: "Unsent protocols will be deleted. Forget?", empty: "Empty = unreadable", remove: "Delete",
    hardMark: "confirmed as signed", station_: "station"},
};
const $ = (id) => document.getElementById(id);
const {el} = Device;
let lang = "ru", token = null, frame = null, photos = [], pumping = false;

function notice(text) { $("notices").append(el("span", {text: text + " "})); }

function figuresOf(prefix, ids) {
  const out = {};
  for (const id of ids) {
    const raw = $(`${prefix}-${id}`).value.trim().replace(/\s/g, "");
    out[id] = raw === "" || !/^\d+$/.test(raw) ? null : Number(raw);
  }
  return out;
}

function currentForm() { return frame[$("contest").value]; }

function buildForm() {
  const form = currentForm();
  const lines = $("lines"), choices = $("choices");
  lines.replaceChildren(lines.querySelector("legend"), el("p", {text: WORDS[lang].empty}));
  for (const line of form.lines) {
    lines.append(el("div", {class: "line"},
      el("label", {for: `L-${line.id}`}, el("span", {class: "n", text: `${line.id}. `}), line[lang]),
      el("input", {id: `L-${line.id}`, inputmode: "numeric", autocomplete: "off", "data-line": line.id})));
  }
  choices.replaceChildren(choices.querySelector("legend"));
  const order = [...form.choices].sort((a, b) => a.localeCompare(b, "en", {numeric: true}));
  for (const [i, choice] of order.entries()) {
    choices.append(el("div", {class: "line"},
      el("label", {for: `C-${choice}`}, el("span", {class: "n", text: `${form.lines.length + i + 1}. `}),
        form.names ? form.names[choice] : `${WORDS[lang].choices} ${choice}`),
      el("input", {id: `C-${choice}`, inputmode: "numeric", autocomplete: "off"})));
  }
  showChecks();
}

function verdicts() {
  const form = currentForm();
  return Checks.check(form.rules, figuresOf("L", form.lines.map((l) => l.id)), figuresOf("C", form.choices), lang);
}

function showChecks() {
  const failed = verdicts().filter((c) => c.status === "failed");
  $("checks").replaceChildren(...failed.map((c) => el("p", {class: `check ${c.severity}`},
    el("strong", {text: `${WORDS[lang][c.severity]}: `}), c.message)));
  const hard = failed.some((c) => c.severity === "hard");
  $("confirm-row").hidden = !hard;
  if (!hard) $("confirm").checked = false;
}

async function refreshSupersedes() {
  const own = (await Device.items()).filter((i) => i.state === "acknowledged" &&
    i.contest === $("contest").value && i.station === $("station").value.trim());
  $("supersedes").replaceChildren(el("option", {value: "", text: WORDS[lang].none}),
    ...own.map((i) => el("option", {value: i.id, text: `${i.kind} ${i.receipt.slice(0, 8)}…`})));
}

// A photo re-encoded on the device: the pixels drawn on a canvas carry no EXIF, GPS or serial.
async function reencode(file) {
  const bitmap = await createImageBitmap(file, {imageOrientation: "from-image"});
  const scale = Math.min(1, 3000 / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.9));
}

async function addPhotos(event) {
  for (const file of event.target.files) if (photos.length < 8) photos.push(await reencode(file));
  event.target.value = "";
  $("photo-count").textContent = WORDS[lang].photoCount + photos.length;
}

async function submit(event) {
  event.preventDefault();
  $("form-error").textContent = "";
  const form = currentForm();
  const station = $("station").value.trim();
  if (!station) { $("form-error").textContent = WORDS[lang].station; $("station").focus(); return; }
  const hard = verdicts().some((c) => c.status === "failed" && c.severity === "hard");
  if (hard && !$("confirm").checked) { $("form-error").textContent = WORDS[lang].needConfirm; $("confirm").focus(); return; }
  const body = {id: crypto.randomUUID(), contest: $("contest").value, station, kind: $("kind").value,
    lines: figuresOf("L", form.lines.map((l) => l.id)), choices: figuresOf("C", form.choices)};
  if ($("supersedes").value) body.supersedes = $("supersedes").value;
  // Kept on the device before any request: a closed tab or a dead network loses nothing.
  await Device.save({id: body.id, contest: body.contest, station, kind: body.kind, state: "waiting",
    body, photos, sentPhotos: 0, hard, created: Date.now()});
  photos = [];
  $("form").reset();
  $("photo-count").textContent = "";
  showChecks();
  await render();
  pump();
}

async function render() {
  const items = (await Device.items()).sort((a, b) => a.created - b.created);
  $("outbox").replaceChildren(...items.map((i) => {
    const state = el("span", {class: `state ${i.state}`, text: WORDS[lang][i.state]});
    const li = el("li", {"data-id": i.id, "data-state": i.state},
      el("div", {text: `${i.contest}, ${WORDS[lang].station_} ${i.station} (${i.kind})${i.hard ? ", " + WORDS[lang].hardMark : ""}`}),
      state);
    if (i.receipt && i.state === "acknowledged") li.append(" ", el("code", {class: "receipt", text: i.receipt}));
    if (i.state === "refused") {
      li.append(el("div", {text: i.error}),
        el("button", {type: "button", class: "plain", text: WORDS[lang].remove,
          onclick: async () => { await Device.remove(i.id); render(); }}));
    }
    return li;
  }));
  refreshSupersedes();
}

async function setState(item, state, extra) {
  Object.assign(item, {state}, extra || {});
  await Device.save(item);
  await render();
}

// Send every kept submission with its own id (a retry gets the same receipt, 200); only the
// server's 201/200 with a receipt, and every photo's, make it "acknowledged".
async function pump() {
  if (pumping || !token) return;
  pumping = true;
  try {
    for (const item of await Device.items()) {
      if (item.state === "acknowledged" || item.state === "refused") continue;
      await setState(item, "sending");
      try {
        if (!item.receipt) {
          const got = await Device.api(token, "POST", "/api/v1/submissions", item.body);
          if (got.status !== 200 && got.status !== 201) { await failed(item, got); continue; }
          item.receipt = got.body.receipt;
          await Device.save(item);
        }
        while (item.sentPhotos < item.photos.length) {
          const n = item.sentPhotos + 1;
          const got = await Device.api(token, "PUT", `/api/v1/submissions/${item.id}/photos/${n}`, item.photos[n - 1], "image/jpeg");
          if (got.status !== 200 && got.status !== 201) break;
          item.sentPhotos = n;
          await Device.save(item);
        }
        if (item.sentPhotos < item.photos.length) { await setState(item, "waiting"); continue; }
        // Acknowledged: the figures and the photos leave the phone, only the receipt stays.
        await Device.save({id: item.id, contest: item.contest, station: item.station, kind: item.kind,
          hard: item.hard, created: item.created, state: "acknowledged", receipt: item.receipt});
        await render();
      } catch (e) {
        await setState(item, "waiting");  // unreachable: kept, retried later with the same id
      }
    }
  } finally {
    pumping = false;
  }
}

async function failed(item, got) {
  if (got.status === 429 || got.status >= 500) { await setState(item, "waiting"); return; }
  await setState(item, "refused", {error: (got.body && got.body.error) || String(got.status)});
}

async function loadFrame() {
  try {
    const me = await Device.api(token, "GET", "/api/v1/me");
    if (me.status === 401) return false;
    const got = await Device.api(token, "GET", "/api/v1/frame");
    if (got.status === 200) {
      frame = got.body;
      await Device.set("frame", frame);
      await Device.set("me", me.body);
    }
  } catch (e) {
    notice(WORDS[lang].noNet);
  }
  frame = frame || await Device.get("frame");
  return true;
}

async function signedIn() {
  $("signin").hidden = true;
  const me = await Device.get("me");
  $("who").textContent = me ? `${WORDS[lang].role}${me.role} · ${me.pseudonym}` : "";
  $("me").hidden = false;
  $("outbox-section").hidden = false;
  if (frame) {
    const contest = $("contest");
    contest.replaceChildren(...Object.keys(frame).map((c) => el("option", {value: c, text: c})));
    $("protocol").hidden = false;
    buildForm();
  }
  await render();
  pump();
}

async function enter(candidate, remember) {
  token = candidate.replace(/\s/g, "").toUpperCase();
  if (!(await loadFrame())) {
    token = null;
    $("signin-error").textContent = WORDS[lang].unknown;
    $("signin").hidden = false;
    return;
  }
  if (remember) await Device.set("token", token);
  await signedIn();
}

async function forget() {
  const unsent = (await Device.items()).filter((i) => i.state !== "acknowledged").length;
  if (unsent && !confirm(WORDS[lang].wipe)) return;
  await Device.wipe();
  location.replace("/");
}

async function start() {
  const fromUrl = Device.tokenFromFragment();
  if (!window.indexedDB) { notice(WORDS.ru.noIDB + " / " + WORDS.en.noIDB); return; }
  lang = await Device.language();
  Device.translate(WORDS, lang);
  $("lang").textContent = lang === "ru" ? "English" : "Русский";
  $("lang").lang = lang === "ru" ? "en" : "ru";
  $("lang").onclick = async () => { await Device.set("lang", lang === "ru" ? "en" : "ru"); location.reload(); };
  if (navigator.serviceWorker) navigator.serviceWorker.register("/sw.js").catch(() => notice(WORDS[lang].noSW));
  else notice(WORDS[lang].noSW);
  if (!(navigator.storage && navigator.storage.persist && await navigator.storage.persist().catch(() => false))) {
    notice(WORDS[lang].noPersist);
  }
  $("enter").onclick = () => enter($("token").value, $("remember").checked);
  $("forget").onclick = forget;
  $("form").addEventListener("submit", submit);
  $("form").addEventListener("input", (e) => { if (e.target.inputMode === "numeric") showChecks(); });
  $("contest").addEventListener("change", buildForm);
  $("station").addEventListener("change", refreshSupersedes);
  $("camera").addEventListener("change", addPhotos);
  $("gallery").addEventListener("change", addPhotos);
  addEventListener("online", pump);
  setInterval(pump, 4000);
  const kept = await Device.get("token");
  if (fromUrl) await enter(fromUrl, true);
  else if (kept) { token = kept; await loadFrame(); await signedIn(); }
  else $("signin").hidden = false;
}
document.addEventListener("DOMContentLoaded", start);
