// /insights: the period's figures from GET /api/insights and its charts, drawn by the server as
// SVG (GET /api/insights/charts/{name}.svg), so no chart library is loaded.
"use strict";
const CHARTS = ["calls", "service_level", "handle_time", "sentiment", "intents", "categories", "unanswered"];
function pct(x) { return Math.round(x * 100) + " %"; }
async function load() {
  const days = parseInt($("period").value, 10);
  const until = new Date(), since = new Date(until.getTime() - days * 86400000);
  const p = new URLSearchParams({ since: since.toISOString(), until: until.toISOString(), bucket: days > 2 ? "day" : "hour", lang });
  const r = await api("/api/insights?" + p);
  $("k-calls").textContent = r.calls;
  $("k-answered").textContent = r.answered;
  $("k-abandoned").textContent = r.abandoned;
  $("k-sl").textContent = pct(r.service_level);
  $("k-aht").textContent = dur(r.avg_handle_ns / 1e6);
  $("k-senti").textContent = r.analysed ? r.avg_sentiment.toFixed(2) : "—";
  $("k-contain").textContent = r.bot_calls ? pct(r.containment) + " (" + r.contained + "/" + r.bot_calls + ")" : "—";
  const box = $("charts"); box.innerHTML = "";
  for (const name of CHARTS) {
    const img = el("img", { alt: name, class: "chart", "data-chart": name, src: "/api/insights/charts/" + name + ".svg?" + p });
    box.append(el("div", { class: "card" }, img));
  }
  try {
    const j = await api("/api/analysis");
    const parts = Object.entries(j.jobs || {}).map(([k, v]) => t(k) + ": " + v);
    $("jobs").textContent = parts.join(" · ") || "—";
  } catch (e) { $("jobs").textContent = e.message; }
  try {
    const list = await api("/api/webhooks/deliveries");
    const by = {};
    for (const d of list) by[d.state] = (by[d.state] || 0) + 1;
    $("hooks").textContent = Object.entries(by).map(([k, v]) => k + ": " + v).join(" · ") || "—";
    const rows = $("hook-rows"); rows.innerHTML = "";
    for (const d of list.filter((d) => d.state !== "delivered").slice(0, 10)) {
      rows.append(el("tr", {}, el("td", {}, d.endpoint), el("td", {}, d.state), el("td", {}, String(d.attempts)),
        el("td", {}, d.last_status ? String(d.last_status) : "—"), el("td", {}, d.last_error || ""), el("td", {}, when(d.next_at))));
    }
  } catch (e) { $("hooks").textContent = e.message; }
}
document.addEventListener("DOMContentLoaded", () => {
  translatePage();
  $("period").onchange = () => load().catch((e) => { $("error").textContent = e.message; });
  load().catch((e) => { $("error").textContent = e.message; });
});
