// /calls/{id}: one call's recording beside its transcript (a click on a turn seeks the player
// there; the turn being played is highlighted), its analysis, path and wrap-ups, and who listened.
"use strict";
const id = decodeURIComponent(location.pathname.split("/").pop());
let turnsAt = []; // [{li, from, to}] in seconds of the recording
function ms(a, b) { return new Date(a).getTime() - new Date(b).getTime(); }
// showText marks redaction tokens ([PHONE], [CARD], …) so they stand out.
function showText(s) {
  const span = el("span", {});
  for (const part of (s || "").split(/(\[[A-Z]+\])/)) {
    if (/^\[[A-Z]+\]$/.test(part)) span.append(el("span", { class: "token" }, part)); else span.append(part);
  }
  return span;
}
function stat(dl, label, value) { dl.append(el("dt", {}, t(label)), el("dd", {}, value)); }
function pct(x) { return (x === undefined || x === null) ? "—" : Math.round(x * 100) + " %"; }
function render(c) {
  $("title").textContent = (c.from || "?") + " → " + (c.to || "?");
  document.title = "hotline · " + (c.from || "call");
  const f = $("facts"); f.innerHTML = "";
  stat(f, "Start", when(c.start));
  stat(f, "Duration", dur(ms(c.end, c.start)));
  stat(f, "Caller", c.from || "—");
  stat(f, "Called", c.to || "—");
  stat(f, "Disposition", c.disposition ? t(c.disposition) : "—");
  stat(f, "Queue", c.queue || "—");
  stat(f, "Wait in queue", dur(c.wait_ms));
  stat(f, "Agent", c.agent || "—");
  const recs = c.recordings || [];
  const rec = recs[0];
  $("norec").classList.toggle("hidden", !!rec);
  if (rec) {
    const audio = el("audio", { controls: "", preload: "metadata", id: "audio", src: "/api/calls/" + encodeURIComponent(c.id) + "/recordings/0" });
    $("player").append(audio);
    const info = el("p", { class: "muted" }, rec.format + ", " + rec.rate + " Hz, " + rec.channels + " ch · L " + t("caller") + " / R " + t("agent"));
    if (rec.incomplete) info.append(" · ", el("b", { class: "paused" }, t("Incomplete")));
    for (const p of rec.paused || []) info.append(" · ", el("span", { class: "paused" }, t("paused") + " " + dur(ms(p.start, rec.start)) + "–" + dur(ms(p.end, rec.start))));
    $("player").append(info);
    audio.addEventListener("timeupdate", () => {
      const now = audio.currentTime;
      for (const x of turnsAt) x.li.classList.toggle("playing", now >= x.from && now < x.to);
    });
  }
  const turns = c.transcript || [];
  $("noturns").classList.toggle("hidden", turns.length > 0);
  $("tnote").textContent = c.transcribed ? "" : (turns.length ? "bot turns only" : "");
  const ol = $("turns"); ol.innerHTML = ""; turnsAt = [];
  for (const tr of turns) {
    const from = rec ? ms(tr.start, rec.start) / 1000 : 0, to = rec ? ms(tr.end, rec.start) / 1000 : 0;
    const li = el("li", { class: tr.speaker, "data-start": from.toFixed(2) },
      el("span", { class: "muted" }, dur(from * 1000)), el("span", { class: "who" }, t(tr.speaker)), showText(tr.text));
    if (tr.sentiment !== undefined && tr.sentiment !== null) li.title = t("Sentiment") + " " + tr.sentiment.toFixed(2);
    li.onclick = () => { const a = $("audio"); if (a) { a.currentTime = Math.max(0, from); a.play().catch(() => {}); } };
    ol.append(li);
    turnsAt.push({ li, from, to: Math.max(to, from + 0.5) });
  }
  const a = c.analysis;
  $("astatus").textContent = a ? t(a.status) + (a.error ? " — " + a.error : "") + (a.engine ? " · " + a.engine : "") : "—";
  if (a) {
    $("summary").textContent = a.summary || "—";
    const tf = $("textfacts"); tf.innerHTML = "";
    stat(tf, "Intent", a.intent || "—");
    stat(tf, "Topics", (a.topics || []).join(", ") || "—");
    stat(tf, "Sentiment", (a.sentiment && a.sentiment.label ? a.sentiment.label + " (" + a.sentiment.caller.toFixed(2) + ", trend " + a.sentiment.trend.toFixed(2) + ")" : "—"));
    if (a.language) stat(tf, "Language", a.language);
    const cats = $("categories"); cats.innerHTML = "";
    for (const k of a.categories || []) cats.append(el("span", { title: k.evidence || "" }, k.name));
    if (!(a.categories || []).length) cats.textContent = "—";
    const act = $("actions"); act.innerHTML = "";
    for (const x of a.action_items || []) act.append(el("li", {}, showText(x)));
    const v = a.voice || {}, vd = $("voice"); vd.innerHTML = "";
    stat(vd, "Caller talk", dur(v.caller_talk_ms));
    stat(vd, "Other side talk", dur(v.other_talk_ms));
    stat(vd, "Silence", dur(v.silence_ms) + " (" + pct(v.silence_share) + ")");
    stat(vd, "Longest silence", dur(v.longest_silence_ms));
    stat(vd, "Overtalk", dur(v.overtalk_ms));
    stat(vd, "Caller interruptions", String(v.caller_interruptions || 0));
    stat(vd, "Agent interruptions", String(v.other_interruptions || 0));
    stat(vd, "Agent talk ratio", pct(v.agent_talk_ratio));
    stat(vd, "Hold", dur(v.hold_ms));
    stat(vd, "Time to answer", dur(v.time_to_answer_ms));
    const rd = $("redacted"); rd.innerHTML = "";
    for (const r of a.redacted || []) rd.append(el("span", { class: "token" }, "[" + r.kind + "] × " + r.count));
    if (!(a.redacted || []).length) rd.textContent = "—";
  }
  const p = $("path"); p.innerHTML = "";
  for (const s of c.path || []) p.append(el("li", {}, s.node + " (" + s.type + ")" + (s.edge ? " → " + s.edge : "")));
  const w = $("wrapups"); w.innerHTML = "";
  for (const x of c.wrap_ups || []) w.append(el("p", {}, el("b", {}, x.agent + ": " + (x.disposition || "—")), x.notes ? " — " : "", x.notes ? showText(x.notes) : ""));
  if (!(c.wrap_ups || []).length) w.textContent = "—";
}
async function loadAudit() {
  const list = await api("/api/calls/" + encodeURIComponent(id) + "/audit");
  const ul = $("audit"); ul.innerHTML = "";
  for (const x of list) ul.append(el("li", {}, when(x.at) + " · " + x.who + " · " + x.action));
}
document.addEventListener("DOMContentLoaded", async () => {
  translatePage();
  try {
    render(await api("/api/calls/" + encodeURIComponent(id)));
    const audio = $("audio");
    if (audio) audio.addEventListener("play", () => setTimeout(loadAudit, 500), { once: true });
    await loadAudit();
  } catch (e) { $("error").textContent = e.message; }
});
