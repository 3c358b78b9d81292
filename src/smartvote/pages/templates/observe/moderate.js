// The moderator's page: the queue, one station's submissions side by side with their photos,
// quarantine / release / confirm / lock, each with a reason; the service enforces that a
// release or a confirmation takes two moderators, and this page shows what waits for a second.
"use strict";
const WORDS = {
  ru: {title: "Модерация протоколов", token: "Код модератора", enter: "Войти", reason: "Причина (обязательна для каждого действия)",
    queue: "Очередь", audit: "Журнал", forget: "Выйти и забыть код", figure: "Цифра", consensus: "Итог",
    quarantine: "Карантин", release: "Снять карантин", confirm: "Подтвердить по фото", lock: "Взять в работу",
    unlock: "Освободить", needReason: "Укажите причину (от 3 знаков).", waits: "ждёт второго модератора",
    empty: "Очередь пуста", station: "участок", quarantined: "в карантине", locked: "в работе", role: "Роль: "},
  en: {title: "Protocol moderation", token: "Moderator code", enter: "Sign in", reason: "Reason (required for every action)",
    queue: "Queue", audit: "Audit trail", forget: "Sign out and forget the code", figure: "Figure", consensus: "Consensus",
    quarantine: "Quarantine", release: "Release", confirm: "Confirm from photo", lock: "Lock while working",
    unlock: "Unlock", needReason: "Give a reason (3 characters or more).", waits: "waits for a second moderator",
    empty: "The queue is empty", station: "station", quarantined: "quarantined", locked: "locked", role: "Role: "},
};
const $ = (id) => document.getElementById(id);
const {el} = Device;
let lang = "ru", token = null, current = null;
const call = (method, path, body) => Device.api(token, method, path, body);

async function act(action) {
  $("error").textContent = "";
  const reason = $("reason").value.trim();
  if (reason.length < 3) { $("error").textContent = WORDS[lang].needReason; $("reason").focus(); return; }
  const got = await call("POST", "/api/v1/moderation", {...action, reason});
  if (got.status !== 201) { $("error").textContent = got.body.error || String(got.status); return; }
  await loadQueue();
  await openStation(current.contest, current.station, current.kind);
}

async function loadQueue() {
  const got = await call("GET", "/api/v1/queue");
  const items = got.status === 200 ? got.body : [];
  $("queue").replaceChildren(...items.map((p) => el("li", {},
    el("button", {type: "button", class: "plain", "data-station": p.station,
      onclick: () => openStation(p.contest, p.station, p.kind),
      text: `${p.contest} · ${WORDS[lang].station} ${p.station} (${p.kind}) — ${p.status}` +
        (p.quarantined.length ? `, ${WORDS[lang].quarantined} ${p.quarantined.length}` : "") +
        (p.locked ? `, ${WORDS[lang].locked}` : "")}))));
  if (!items.length) $("queue").append(el("li", {text: WORDS[lang].empty}));
}

async function openStation(contest, station, kind) {
  current = {contest, station, kind};
  const q = `contest=${encodeURIComponent(contest)}&station=${encodeURIComponent(station)}`;
  const [cons, subs, audit] = await Promise.all([call("GET", `/api/v1/consensus?${q}`),
    call("GET", `/api/v1/submissions?${q}`), call("GET", "/api/v1/audit")]);
  const protocol = cons.body.find((p) => p.kind === kind) || cons.body[0];
  const shown = subs.body.filter((s) => s.kind === kind);
  $("station").hidden = false;
  $("station-title").textContent = `${contest} · ${WORDS[lang].station} ${station} (${kind}) — ${protocol ? protocol.status : ""}`;
  $("station-actions").replaceChildren(
    el("button", {type: "button", text: WORDS[lang][protocol && protocol.locked ? "unlock" : "lock"],
      onclick: () => act({action: protocol && protocol.locked ? "unlock" : "lock", contest, station, kind})}));
  const head = el("tr", {}, el("th", {text: WORDS[lang].figure}),
    ...shown.map((s) => el("th", {}, `${s.author}${protocol.quarantined.includes(s.id) ? " ⚠" : ""}`, el("br"),
      el("button", {type: "button", class: "plain",
        text: WORDS[lang][protocol.quarantined.includes(s.id) ? "release" : "quarantine"],
        onclick: () => act({action: protocol.quarantined.includes(s.id) ? "release" : "quarantine", submission: s.id})}))),
    el("th", {text: WORDS[lang].consensus}), el("th", {text: WORDS[lang].confirm}));
  const rows = protocol.figures.map((f) => {
    const values = shown.map((s) => (f.figure.startsWith("L") ? s.lines[f.figure.slice(1)] : s.choices[f.figure.slice(1)]));
    const differs = new Set(values.filter((v) => v !== null)).size > 1;
    const input = el("input", {type: "text", inputmode: "numeric", "aria-label": `${f.figure}`, value: f.value ?? ""});
    return el("tr", {"data-figure": f.figure, "data-status": f.status},
      el("td", {text: f.figure}),
      ...values.map((v) => el("td", {class: differs ? "differs" : null, text: v === null ? "—" : String(v)})),
      el("td", {class: "status", text: `${f.status}${f.value !== null ? " " + f.value : ""}`}),
      el("td", {}, el("div", {class: "row"}, input, el("button", {type: "button", text: "✓", "aria-label": `${WORDS[lang].confirm} ${f.figure}`,
        onclick: () => act({action: "confirm", contest, station, kind, figure: f.figure, value: Number(input.value)})}))));
  });
  $("figures").replaceChildren(el("thead", {}, head), el("tbody", {}, ...rows));
  // What waits for a second moderator: confirmations not yet in force.
  const mine = audit.body.entries.filter((e) => e.station === station && e.contest === contest ||
    shown.some((s) => s.id === e.submission));
  const waiting = {};
  for (const e of mine.filter((e) => e.action === "confirm")) {
    const key = `${e.figure}=${e.value}`;
    (waiting[key] = waiting[key] || new Set()).add(e.actor);
  }
  $("pending").replaceChildren(...Object.entries(waiting).filter(([key, actors]) => {
    const [figure, value] = key.split("=");
    const f = protocol.figures.find((x) => x.figure === figure);
    return actors.size < 2 && !(f.status === "confirmed" && String(f.value) === value);
  }).map(([key, actors]) => el("p", {class: "pending", text: `${WORDS[lang].confirm}: ${key} — ${WORDS[lang].waits} (${actors.size}/2)`})));
  $("audit").replaceChildren(...mine.map((e) => el("li", {text:
    `#${e.seq} ${e.action} ${e.figure ? e.figure + "=" + e.value : e.submission || ""} — ${e.actor} (${e.role}): ${e.reason}`})));
  $("photos").replaceChildren();
  for (const s of shown) {
    for (const p of s.photos) {
      const got = await call("GET", `/api/v1/submissions/${s.id}/photos/${p.n}`);
      if (got.status === 200) $("photos").append(el("figure", {}, el("img", {src: URL.createObjectURL(got.body), alt: `${s.author} ${p.n}`}),
        el("figcaption", {text: `${s.author} · ${p.n}`})));
    }
  }
}

async function enter(candidate, keep) {
  token = candidate.replace(/\s/g, "").toUpperCase();
  const me = await call("GET", "/api/v1/me").catch(() => ({status: 0}));
  if (me.status !== 200 || me.body.role === "observer") {
    $("signin-error").textContent = me.status === 200 ? me.body.role : String(me.status);
    $("signin").hidden = false;
    return;
  }
  if (keep) await Device.set("moderator-token", token);
  $("signin").hidden = true;
  $("work").hidden = false;
  $("who").textContent = `${WORDS[lang].role}${me.body.role} · ${me.body.pseudonym}`;
  await loadQueue();
}

async function start() {
  const fromUrl = Device.tokenFromFragment();
  lang = await Device.language();
  Device.translate(WORDS, lang);
  $("lang").textContent = lang === "ru" ? "English" : "Русский";
  $("lang").onclick = async () => { await Device.set("lang", lang === "ru" ? "en" : "ru"); location.reload(); };
  $("enter").onclick = () => enter($("token").value, false);
  $("forget").onclick = async () => { await Device.wipe(); location.replace("/moderate"); };
  const kept = await Device.get("moderator-token");
  if (fromUrl || kept) await enter(fromUrl || kept, Boolean(fromUrl));
  else $("signin").hidden = false;
}
document.addEventListener("DOMContentLoaded", start);
