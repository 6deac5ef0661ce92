// hotline supervisor page: the floor, pushed over a WebSocket once a second
// and on every change.
"use strict";
const $ = (id) => document.getElementById(id);
function fmt(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  return String(Math.floor(s / 60)).padStart(2, "0") + ":" + String(s % 60).padStart(2, "0");
}
const num = hotlineI18n.number;
function row(cells, cls) {
  const tr = document.createElement("tr");
  cells.forEach((c, i) => {
    const td = document.createElement("td");
    if (cls && cls[i]) { const b = document.createElement("span"); b.className = cls[i]; b.textContent = c; td.append(b); } else td.textContent = c;
    tr.append(td);
  });
  return tr;
}
// Every call in progress is listed, wherever it is.
const stateLabel = { ivr: t("in IVR"), bot: t("with bot"), queue: t("waiting"), ringing: t("ringing"), agent: t("talking"),
  consult: t("consulting"), external: t("external") };
function where(x) {
  if (x.state === "external") return x.number || "—";
  if (x.state === "consult") return t("with {who}", { who: x.consulting || "—" });
  return x.node || "—";
}
function render(f) {
  const now = new Date(f.at).getTime();
  $("updated").textContent = t("updated {time}", { time: hotlineI18n.time(f.at) });
  const q = $("queues"); q.innerHTML = "";
  let waiting = 0, longest = 0;
  for (const x of f.queues) {
    waiting += x.waiting; longest = Math.max(longest, x.longest_wait_ns / 1e6);
    q.append(row([x.name, num(x.waiting), num(x.ringing), fmt(x.longest_wait_ns / 1e6), num(x.answered), num(x.lost),
      (x.answered + x.lost ? hotlineI18n.percent(x.service_level) : "—"), x.avg_handle_ns ? fmt(x.avg_handle_ns / 1e6) : "—"]));
  }
  const a = $("agents"); a.innerHTML = "";
  let avail = 0, oncall = 0;
  for (const x of f.agents) {
    if (x.state === "available") avail++;
    if (x.state === "on_call") oncall++;
    a.append(row([x.name || x.id, t(x.state.replace("_", " ")) + (x.reason ? " · " + (hotlineI18n.lang === "zh" ? t(x.reason.replace("_", " ")) : x.reason) : ""), fmt(now - new Date(x.since).getTime()),
      (x.devices || []).join(", ") || "—", num(x.calls), x.current_call || "—"], [null, "badge state-" + x.state]));
  }
  const c = $("calls"); c.innerHTML = "";
  for (const x of f.calls) {
    c.append(row([x.call_id, x.from || "—", stateLabel[x.state] || x.state, where(x), x.queue || "—", x.agent || "—",
      fmt(now - new Date(x.since).getTime())], [null, null, "badge call-" + x.state]));
  }
  $("k-waiting").textContent = num(waiting); $("k-longest").textContent = fmt(longest);
  $("k-available").textContent = num(avail); $("k-oncall").textContent = num(oncall);
}
async function start() {
  hotlineI18n.apply();
  document.title = t("hotline · supervisor");
  document.querySelector(".bar .who").append(hotlineI18n.switchElement());
  const r = await fetch("/api/desktop/me");
  const me = r.ok ? await r.json() : null;
  if (!me || (me.role !== "supervisor" && me.role !== "admin")) { $("denied").classList.remove("hidden"); return; }
  $("floor").classList.remove("hidden");
  const connect = () => {
    const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/api/desktop/supervisor/ws");
    ws.onmessage = (ev) => render(JSON.parse(ev.data));
    ws.onclose = () => setTimeout(connect, 2000);
  };
  connect();
  loadChats();
  setInterval(loadChats, 2000);
}
// Chats going on, polled: visitor, state, queue, agent and the last line (shown as text).
const chatState = { bot: t("with bot"), queued: t("waiting"), agent: t("talking") };
async function loadChats() {
  const r = await fetch("/api/chats?live=1").catch(() => null);
  if (!r || !r.ok) return;
  const list = await r.json();
  const tb = $("live-chats"); tb.replaceChildren();
  const now = Date.now();
  for (const x of list) {
    tb.append(row([x.visitor || t("Visitor"), chatState[x.state] || x.state, x.queue || "—", x.agent || "—", num(x.messages),
      x.last_text || "—", fmt(now - new Date(x.started).getTime())], [null, "badge call-" + (x.state === "queued" ? "queue" : x.state)]));
  }
  if (!list.length) { const tr = row([t("No chats right now.")]); tr.firstChild.colSpan = 7; tr.className = "muted"; tb.append(tr); }
}
document.addEventListener("DOMContentLoaded", start);
