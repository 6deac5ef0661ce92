// hotline agent desktop: login, state, incoming calls with a screen pop, a
// WebRTC softphone and wrap-up. Talks to the server over one WebSocket
// (messages documented in web/README.md).
"use strict";
const $ = (id) => document.getElementById(id);
const show = (el, on) => el.classList.toggle("hidden", !on);

const app = {
  me: null, ws: null, pc: null, stream: null, call: null, status: null,
  ringing: null, muted: false, held: false, callStart: 0, wrapCall: null,
  device: null, // where the call rings or was answered: browser (this softphone), sip (the agent's phone), both
};
// Exposed for automated tests and support: live media figures of the call.
window.hotline = { inboundEnergy: 0, inboundPackets: 0, outboundPackets: 0, state: "offline", call: null };

function log(msg) {
  const li = document.createElement("li");
  li.textContent = hotlineI18n.time() + "  " + msg;
  $("activity").prepend(li);
  while ($("activity").children.length > 100) $("activity").lastChild.remove();
}

async function api(path, body) {
  const r = await fetch(path, body === undefined ? {} : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const data = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(data.error || r.statusText);
  return data;
}

async function start() {
  try {
    app.me = await api("/api/desktop/me");
  } catch (e) {
    show($("login"), true); show($("desk"), false); show($("who"), false);
    return;
  }
  show($("login"), false); show($("desk"), true); show($("who"), true);
  $("agent-name").textContent = app.me.name || app.me.id;
  const sel = $("wrapup-disposition");
  sel.innerHTML = "";
  for (const d of app.me.dispositions || []) {
    const o = document.createElement("option"); o.value = d; o.textContent = t(d.replace(/_/g, " ")); sel.append(o);
  }
  const tt = $("transfer-target");
  tt.innerHTML = "";
  for (const q of app.me.queues || []) { const o = document.createElement("option"); o.value = "queue:" + q; o.textContent = t("Queue · {name}", { name: q }); tt.append(o); }
  for (const a of app.me.agents || []) { const o = document.createElement("option"); o.value = "agent:" + a.id; o.textContent = t("Agent · {name}", { name: a.name || a.id }); tt.append(o); }
  connect();
}

function connect() {
  const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/api/desktop/ws");
  app.ws = ws;
  ws.onopen = () => log(t("connected"));
  ws.onclose = () => { if (app.ws === ws) { log(t("disconnected; reconnecting")); setTimeout(connect, 2000); } };
  ws.onmessage = (ev) => onMessage(JSON.parse(ev.data));
}

function send(m) { if (app.ws && app.ws.readyState === 1) app.ws.send(JSON.stringify(m)); }

function onMessage(m) {
  switch (m.type) {
    case "hello": break;
    case "status": setStatus(m.agent); break;
    case "offer": onOffer(m.call, m.device || "browser"); break;
    case "cancel": if (app.call && app.call.call_id === m.call_id) { log(m.reason === "timeout" ? t("call rang out") : t("call withdrawn")); endCall(false); } break;
    case "sdp": if (app.pc) app.pc.setRemoteDescription({ type: "answer", sdp: m.sdp }).catch((e) => log(t("media error: {err}", { err: e }))); break;
    case "connected": onConnected(m.device || "browser"); break;
    case "held": app.held = m.on; $("btn-hold").classList.toggle("on", m.on); $("btn-hold").textContent = m.on ? t("Resume") : t("Hold"); break;
    case "ended": log(t("call ended ({cause})", { cause: m.cause || "" })); endCall(true); break;
    case "wrapup_saved": log(t("wrap-up saved")); show($("wrapup"), false); app.wrapCall = null; if (window.hotlineChats) window.hotlineChats.wrapped(m.call_id); break;
    case "consult": onConsult(m.state, m.to_agent); break;
    case "recording": onRecording(m.state, !!m.allowed); break;
    case "error": log(t("error: {err}", { err: m.message })); break;
    default: if (m.type.startsWith("chat_") && window.hotlineChats) window.hotlineChats.onMessage(m); break;
  }
}

function setStatus(a) {
  app.status = a;
  window.hotline.state = a.state;
  const b = $("state-badge");
  b.className = "badge state-" + a.state;
  b.textContent = t(a.state.replace("_", " ")) + (a.reason ? " · " + t(a.reason.replace("_", " ")) : "");
  const sel = $("state-select");
  if (a.state === "available") sel.value = "available";
  else if (a.state === "break") sel.value = "break:" + (["lunch", "training", "admin"].includes(a.reason) ? a.reason : "break");
  if (!app.call && a.state === "available") $("phone-sub").textContent = t("Waiting for the next caller.");
  if (!app.call && a.state === "break") $("phone-sub").textContent = t("On break: set yourself available to take calls.");
}

function fmt(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  return String(Math.floor(s / 60)).padStart(2, "0") + ":" + String(s % 60).padStart(2, "0");
}
setInterval(() => {
  if (app.status) $("state-time").textContent = fmt(Date.now() - new Date(app.status.since).getTime());
  $("call-timer").textContent = app.callStart ? fmt(Date.now() - app.callStart) : "";
}, 500);

// The ring: two-tone bursts generated with WebAudio (no sound file).
function startRing() {
  stopRing();
  let ctx;
  try { ctx = new AudioContext(); } catch (e) { return; }
  const gain = ctx.createGain(); gain.gain.value = 0; gain.connect(ctx.destination);
  for (const f of [440, 480]) { const o = ctx.createOscillator(); o.frequency.value = f; o.connect(gain); o.start(); }
  let on = false;
  const timer = setInterval(() => { on = !on; gain.gain.setTargetAtTime(on ? 0.08 : 0, ctx.currentTime, 0.02); }, 1000);
  app.ringing = { ctx, t: timer };
}
function stopRing() {
  if (!app.ringing) return;
  clearInterval(app.ringing.t); app.ringing.ctx.close(); app.ringing = null;
}

function text(id, v) { $(id).textContent = v || "—"; }

function onOffer(c, device) {
  app.call = c; app.device = device; window.hotline.call = c.call_id; window.hotline.device = device;
  log(device === "sip" ? t("incoming call from {from} (on your phone)", { from: c.from }) : t("incoming call from {from}", { from: c.from }));
  const phone = $("phone"); phone.className = "card phone ringing";
  $("phone-title").textContent = device === "sip" ? t("Ringing on your phone") : t("Incoming call");
  $("phone-sub").textContent = c.from + (c.queue ? " · " + t("queue {name}", { name: c.queue }) : "");
  // A call that rings on the SIP phone is answered there; the desktop shows who calls.
  show($("btn-answer"), device !== "sip"); show($("btn-reject"), device !== "sip");
  show($("pop-empty"), false); show($("pop-body"), true);
  text("pop-from", c.from); text("pop-to", c.to); text("pop-route", c.route); text("pop-queue", c.queue);
  text("pop-wait", fmt(c.wait_ms)); text("pop-lang", c.language);
  text("pop-path", (c.path || []).join(" → "));
  const cu = c.customer; // the caller's profile: name and the timeline in one line
  text("pop-customer", cu ? [cu.name, cu.text].filter(Boolean).join(" · ") : "");
  const prof = $("pop-profile"); show(prof, !!cu);
  if (cu) prof.href = "/customers/" + encodeURIComponent(cu.id);
  const h = c.handoff;
  show($("handoff"), !!h);
  if (h) {
    text("ho-summary", h.summary); text("ho-intent", h.intent); text("ho-reason", h.reason);
    const s = $("ho-sentiment"); s.textContent = h.sentiment ? t(h.sentiment) : ""; show(s, !!h.sentiment);
    const tb = $("ho-slots").querySelector("tbody"); tb.innerHTML = "";
    for (const [k, v] of Object.entries(h.slots || {})) {
      const tr = document.createElement("tr");
      const a = document.createElement("td"); a.textContent = k;
      const b = document.createElement("td"); b.textContent = v;
      tr.append(a, b); tb.append(tr);
    }
    const ol = $("ho-transcript"); ol.innerHTML = "";
    for (const line of h.transcript || []) {
      const li = document.createElement("li");
      const who = document.createElement("span"); who.className = "who-" + line.speaker; who.textContent = t(line.speaker) + ": ";
      li.append(who, document.createTextNode(line.text)); ol.append(li);
    }
  }
  quickReplies(c);
  if (device !== "sip") startRing();
}

// Quick replies for a call: the approved scripts for the intent the voice bot handed over, in
// the call's language, with the caller's details filled in; a click shows the text to read out
// (and counts a use).
function quickReplies(c) {
  const box = $("call-quick");
  box.querySelectorAll("button").forEach((b) => b.remove());
  show(box, false); show($("call-quick-text"), false);
  const intent = c.handoff && c.handoff.intent;
  if (!intent) return;
  const q = new URLSearchParams({ intent, lang: c.language || "" });
  if (c.customer && c.customer.id) q.set("customer", c.customer.id);
  fetch("/api/replies/quick?" + q, { credentials: "same-origin" }).then((r) => r.ok ? r.json() : []).then((list) => {
    if (!app.call || app.call.call_id !== c.call_id) return;
    for (const s of list || []) {
      const b = document.createElement("button"); b.type = "button"; b.className = "quick"; b.textContent = s.title || s.filled.slice(0, 40);
      b.onclick = () => {
        const p = $("call-quick-text"); p.textContent = s.filled; show(p, true);
        fetch("/api/replies/" + encodeURIComponent(s.id) + "/use", { method: "POST", credentials: "same-origin" }).catch(() => {});
      };
      box.insertBefore(b, $("call-quick-text"));
    }
    show(box, (list || []).length > 0);
  }, () => {});
}

function gathered(pc, ms) {
  return new Promise((resolve) => {
    if (pc.iceGatheringState === "complete") return resolve();
    const t = setTimeout(resolve, ms);
    pc.addEventListener("icegatheringstatechange", () => { if (pc.iceGatheringState === "complete") { clearTimeout(t); resolve(); } });
  });
}

async function answer() {
  if (!app.call) return;
  stopRing();
  show($("btn-answer"), false); show($("btn-reject"), false);
  $("phone-sub").textContent = t("Connecting…");
  const callID = app.call.call_id;
  try {
    app.stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true } });
    const pc = new RTCPeerConnection({ iceServers: app.me.ice_servers || [] });
    app.pc = pc;
    for (const t of app.stream.getAudioTracks()) pc.addTrack(t, app.stream);
    pc.ontrack = (e) => { const a = $("remote-audio"); a.srcObject = e.streams[0] || new MediaStream([e.track]); a.play().catch(() => {}); };
    pc.onconnectionstatechange = () => log(t("media {state}", { state: t(pc.connectionState) }));
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc, 2000);
    send({ type: "answer", call_id: callID, sdp: pc.localDescription.sdp });
  } catch (e) {
    log(t("could not start audio: {err}", { err: e.message }));
    send({ type: "reject", call_id: callID });
    endCall(false);
  }
}

function onConnected(device) {
  if (!app.call) return;
  stopRing();
  app.device = device; window.hotline.device = device;
  const onPhone = device === "sip";
  if (onPhone && app.pc) { app.pc.close(); app.pc = null; } // rang on both: the phone took it
  log(onPhone ? t("talking with {from} on your phone", { from: app.call.from }) : t("talking with {from}", { from: app.call.from }));
  $("phone").className = "card phone talking";
  $("phone-title").textContent = onPhone ? t("On call (phone)") : t("On call");
  $("phone-sub").textContent = app.call.from;
  app.callStart = Date.now();
  show($("btn-answer"), false); show($("btn-reject"), false);
  // The phone has its own mute, hold and keypad; hang-up and transfers work from here for both.
  for (const id of ["btn-mute", "btn-hold", "levels", "dtmf"]) show($(id), !onPhone);
  show($("btn-hangup"), true);
  show($("transfer"), $("transfer-target").options.length > 0);
}

// Warm transfer progress: ringing → connected → completed, or failed/cancelled.
function onConsult(state, who) {
  const words = { ringing: t("Calling {who}… (caller on hold)", { who }), connected: t("Talking with {who} (caller on hold)", { who }),
    failed: t("{who} is not available", { who }), cancelled: t("Consultation ended: back with the caller"), completed: t("Transferred to {who}", { who }) };
  log(t("consult {who}: {state}", { who, state: t(state) }));
  $("consult-status").textContent = words[state] || state;
  const active = state === "ringing" || state === "connected";
  show($("consult"), active);
  show($("btn-consult-complete"), state === "connected");
  show($("transfer"), !active && !!app.call);
  window.hotline.consult = state;
}

// The call's recording: "recording", "paused" or "off"; allowed is false where the dialplan says the
// call is not recorded. The server tells the state once the caller is bridged and on every change.
function onRecording(state, allowed) {
  app.recording = state; window.hotline.recording = state;
  const words = { recording: t("● Recording"), paused: t("Recording paused"), off: allowed ? t("Not recorded") : t("Not recorded (this line is never recorded)") };
  $("rec-state").textContent = words[state] || state;
  $("rec-state").classList.toggle("rec-on", state === "recording");
  show($("rec-state"), !!app.call);
  const b = $("btn-record");
  b.textContent = state === "recording" ? t("Pause recording") : state === "paused" ? t("Resume recording") : t("Record");
  b.classList.toggle("on", state === "paused");
  show(b, !!app.call && (allowed || state !== "off"));
}

function endCall(wrap) {
  stopRing();
  const c = app.call;
  if (app.pc) { app.pc.close(); app.pc = null; }
  if (app.stream) { app.stream.getTracks().forEach((t) => t.stop()); app.stream = null; }
  app.call = null; app.device = null; app.callStart = 0; app.muted = false; app.held = false;
  window.hotline.call = null; window.hotline.device = null;
  $("phone").className = "card phone idle";
  $("phone-title").textContent = t("No call");
  $("phone-sub").textContent = "";
  for (const id of ["btn-answer", "btn-reject", "btn-mute", "btn-hold", "btn-record", "rec-state", "btn-hangup", "levels", "dtmf", "transfer", "consult"]) show($(id), false);
  app.recording = null; window.hotline.recording = null;
  $("btn-mute").textContent = t("Mute"); $("btn-mute").classList.remove("on");
  $("btn-hold").textContent = t("Hold"); $("btn-hold").classList.remove("on");
  if (wrap && c) { app.wrapCall = c.call_id; $("wrapup-notes").value = ""; show($("wrapup"), true); }
}

// Media figures, once a second: the meters and window.hotline for tests.
setInterval(async () => {
  if (!app.pc) return;
  const stats = await app.pc.getStats();
  stats.forEach((r) => {
    if (r.type === "inbound-rtp" && r.kind === "audio") {
      window.hotline.inboundEnergy = r.totalAudioEnergy || 0;
      window.hotline.inboundPackets = r.packetsReceived || 0;
      $("meter-in").style.width = Math.min(100, Math.round((r.audioLevel || 0) * 300)) + "%";
    }
    if (r.type === "outbound-rtp" && r.kind === "audio") window.hotline.outboundPackets = r.packetsSent || 0;
    if (r.type === "media-source" && r.kind === "audio") $("meter-out").style.width = Math.min(100, Math.round((r.audioLevel || 0) * 300)) + "%";
  });
}, 1000);

document.addEventListener("DOMContentLoaded", () => {
  hotlineI18n.apply();
  document.title = t("hotline · agent desktop");
  $("who").append(hotlineI18n.switchElement());
  $("login-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    $("login-error").textContent = "";
    try {
      await api("/api/desktop/login", { id: $("login-id").value, password: $("login-password").value });
      $("login-password").value = "";
      start();
    } catch (err) { $("login-error").textContent = err.message; }
  });
  $("logout").addEventListener("click", async () => { const ws = app.ws; app.ws = null; if (ws) ws.close(); await api("/api/desktop/logout", {}); location.reload(); });
  $("state-select").addEventListener("change", (e) => {
    const [state, reason] = e.target.value.split(":");
    send({ type: "state", state, reason: reason || "" });
  });
  $("btn-answer").addEventListener("click", answer);
  $("btn-reject").addEventListener("click", () => { if (app.call) { send({ type: "reject", call_id: app.call.call_id }); log(t("rejected")); endCall(false); } });
  $("btn-hangup").addEventListener("click", () => { if (app.call) send({ type: "hangup", call_id: app.call.call_id }); });
  $("btn-mute").addEventListener("click", () => {
    if (!app.stream) return;
    app.muted = !app.muted;
    app.stream.getAudioTracks().forEach((t) => (t.enabled = !app.muted));
    $("btn-mute").textContent = app.muted ? t("Unmute") : t("Mute"); $("btn-mute").classList.toggle("on", app.muted);
  });
  $("btn-hold").addEventListener("click", () => { if (app.call) send({ type: "hold", call_id: app.call.call_id, on: !app.held }); });
  $("btn-record").addEventListener("click", () => { if (app.call) send({ type: "record", call_id: app.call.call_id, on: app.recording !== "recording" }); });
  $("btn-transfer").addEventListener("click", () => {
    if (!app.call) return;
    const [kind, target] = $("transfer-target").value.split(/:(.*)/);
    send(kind === "queue" ? { type: "transfer", call_id: app.call.call_id, queue: target } : { type: "transfer", call_id: app.call.call_id, to_agent: target });
    log(t("transferring to {target}", { target }));
  });
  $("btn-consult").addEventListener("click", () => {
    if (!app.call) return;
    const [kind, target] = $("transfer-target").value.split(/:(.*)/);
    if (kind !== "agent") { log(t("consult needs an agent, not a queue")); return; }
    send({ type: "consult", call_id: app.call.call_id, to_agent: target });
  });
  $("btn-consult-complete").addEventListener("click", () => { if (app.call) send({ type: "consult_complete", call_id: app.call.call_id }); });
  $("btn-consult-cancel").addEventListener("click", () => { if (app.call) send({ type: "consult_cancel", call_id: app.call.call_id }); });
  $("dtmf").addEventListener("click", (e) => { if (e.target.tagName === "BUTTON" && app.call) send({ type: "dtmf", call_id: app.call.call_id, digit: e.target.textContent }); });
  $("wrapup-form").addEventListener("submit", (e) => {
    e.preventDefault();
    if (app.wrapCall) send({ type: "wrapup", call_id: app.wrapCall, disposition: $("wrapup-disposition").value, notes: $("wrapup-notes").value });
  });
  // Leaving the page logs the desktop out of the floor at once.
  window.addEventListener("pagehide", () => { const ws = app.ws; app.ws = null; if (ws) ws.close(); });
  start();
});
