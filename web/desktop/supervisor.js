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
    const tr = row([x.call_id, x.from || "—", stateLabel[x.state] || x.state, where(x), x.queue || "—", x.agent || "—",
      fmt(now - new Date(x.since).getTime())], [null, null, "badge call-" + x.state]);
    const td = document.createElement("td");
    if (x.state === "agent" && mon.call !== x.call_id) {
      for (const m of ["listen", "whisper", "barge"]) {
        const b = document.createElement("button"); b.type = "button"; b.className = "monitor-" + m; b.textContent = t(m[0].toUpperCase() + m.slice(1));
        b.onclick = () => monitor(x.call_id, m, x.agent); td.append(b);
      }
    } else if (mon.call === x.call_id) td.textContent = t(mon.mode[0].toUpperCase() + mon.mode.slice(1));
    tr.dataset.call = x.call_id; tr.append(td); c.append(tr);
  }
  if (mon.call && !f.calls.some((x) => x.call_id === mon.call && x.state === "agent")) stopMonitor(false);
  $("k-waiting").textContent = num(waiting); $("k-longest").textContent = fmt(longest);
  $("k-available").textContent = num(avail); $("k-oncall").textContent = num(oncall);
}
// Monitoring a call: the supervisor's browser sends its microphone and a WebRTC offer; the
// server mixes it into the call (listen: heard by nobody; whisper: heard by the agent only;
// barge: by both) and sends back what the supervisor hears.
const mon = { call: null, mode: null, agent: null, pc: null, stream: null };
window.hotlineMonitor = mon;
let me = null;
function post(path, body) {
  return fetch(path, { method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
}
function gathered(pc, ms) {
  return new Promise((resolve) => {
    if (pc.iceGatheringState === "complete") return resolve();
    const tm = setTimeout(resolve, ms);
    pc.addEventListener("icegatheringstatechange", () => { if (pc.iceGatheringState === "complete") { clearTimeout(tm); resolve(); } });
  });
}
function showMonitor() {
  show($("monitor"), !!mon.call);
  if (!mon.call) return;
  $("monitor-title").textContent = t("Monitoring {call} with {agent}", { call: mon.call, agent: mon.agent || "—" });
  for (const b of document.querySelectorAll("#monitor [data-mode]")) b.classList.toggle("on", b.dataset.mode === mon.mode);
}
function show(el, on) { el.classList.toggle("hidden", !on); }
async function failed(r) {
  let msg = r.statusText;
  try { msg = (await r.json()).error || msg; } catch (e) { /* not JSON */ }
  $("monitor-error").textContent = msg;
  show($("monitor"), true);
}
async function monitor(callID, mode, agent) {
  $("monitor-error").textContent = "";
  if (mon.call === callID && mon.pc) {
    const r = await post("/api/desktop/monitor/mode", { call_id: callID, mode });
    if (!r.ok) return failed(r);
    mon.mode = mode; showMonitor(); return;
  }
  if (mon.pc) await stopMonitor(true);
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    const pc = new RTCPeerConnection({ iceServers: (me && me.ice_servers) || [] });
    for (const tr of stream.getAudioTracks()) pc.addTrack(tr, stream);
    pc.ontrack = (e) => { const a = $("monitor-audio"); a.srcObject = e.streams[0] || new MediaStream([e.track]); a.play().catch(() => {}); mon.remote = e.track; };
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc, 2000);
    const r = await post("/api/desktop/monitor", { call_id: callID, mode, sdp: pc.localDescription.sdp });
    if (!r.ok) { pc.close(); stream.getTracks().forEach((x) => x.stop()); return failed(r); }
    await pc.setRemoteDescription({ type: "answer", sdp: (await r.json()).sdp });
    Object.assign(mon, { call: callID, mode, agent, pc, stream });
    showMonitor();
  } catch (e) {
    $("monitor-error").textContent = e.message; show($("monitor"), true);
  }
}
async function stopMonitor(tell) {
  const call = mon.call;
  if (mon.pc) mon.pc.close();
  if (mon.stream) mon.stream.getTracks().forEach((x) => x.stop());
  Object.assign(mon, { call: null, mode: null, agent: null, pc: null, stream: null, remote: null });
  showMonitor();
  if (tell && call) await post("/api/desktop/monitor/stop", { call_id: call }).catch(() => {});
}
async function start() {
  hotlineI18n.apply();
  document.title = t("hotline · supervisor");
  document.querySelector(".bar .who").append(hotlineI18n.switchElement());
  const r = await fetch("/api/desktop/me");
  me = r.ok ? await r.json() : null;
  for (const b of document.querySelectorAll("#monitor [data-mode]")) b.onclick = () => monitor(mon.call, b.dataset.mode, mon.agent);
  $("monitor-stop").onclick = () => stopMonitor(true);
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
