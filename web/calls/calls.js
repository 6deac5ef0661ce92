// /calls: the stored calls, filtered and searched through GET /api/calls/search; the filter lives
// in the page's URL, so a search can be bookmarked and the CSV export repeats it.
"use strict";
const PAGE = 50;
function filterParams() {
  const p = new URLSearchParams();
  for (const [k, v] of new FormData($("filter"))) {
    if (!v) continue;
    if (k === "since") p.set(k, new Date(v + "T00:00:00").toISOString());
    else if (k === "until") p.set(k, new Date(new Date(v + "T00:00:00").getTime() + 86400000).toISOString());
    else if (k === "min_duration" || k === "max_duration") p.set(k, v + "s");
    else p.set(k, v);
  }
  return p;
}
function fillForm() {
  const p = new URLSearchParams(location.search);
  for (const input of $("filter").elements) {
    if (!input.name || !p.has(input.name)) continue;
    input.value = p.get(input.name);
  }
}
let offset = 0;
async function load() {
  const p = filterParams();
  const view = new URLSearchParams(new FormData($("filter")));
  for (const [k, v] of [...view]) if (!v) view.delete(k);
  if (offset) view.set("offset", offset);
  history.replaceState(null, "", "/calls" + (view.toString() ? "?" + view : ""));
  const csv = new URLSearchParams(p); csv.set("format", "csv");
  $("csv").href = "/api/calls/search?" + csv;
  p.set("limit", PAGE); p.set("offset", offset);
  $("error").textContent = "";
  const t0 = performance.now();
  let res;
  try { res = await api("/api/calls/search?" + p); } catch (e) { $("error").textContent = e.message; return; }
  $("took").textContent = " · " + Math.round(performance.now() - t0) + " ms";
  $("total").textContent = res.total + " " + t("calls");
  const rows = $("rows"); rows.innerHTML = "";
  for (const c of res.calls) {
    const link = el("a", { href: "/calls/" + encodeURIComponent(c.id) }, when(c.start));
    rows.append(el("tr", { class: "call", "data-id": c.id },
      el("td", {}, link), el("td", {}, c.from || "—"), el("td", {}, c.to || "—"), el("td", {}, c.queue || "—"),
      el("td", {}, c.agent || "—"), el("td", {}, el("span", { class: "badge disp-" + c.disposition }, c.disposition ? t(c.disposition) : "—")),
      el("td", {}, dur(c.duration_ms)), el("td", {}, c.sentiment ? el("span", { class: "senti " + c.sentiment }, c.sentiment) : "—"),
      el("td", {}, (c.categories || []).join(", ") || "—"),
      el("td", {}, c.analysis_status ? t(c.analysis_status) : "—")));
  }
  $("empty").classList.toggle("hidden", res.calls.length > 0);
  $("prev").disabled = offset === 0;
  $("next").disabled = offset + res.calls.length >= res.total;
  $("page").textContent = res.total ? (offset + 1) + "–" + (offset + res.calls.length) : "";
}
document.addEventListener("DOMContentLoaded", () => {
  translatePage();
  fillForm();
  offset = parseInt(new URLSearchParams(location.search).get("offset") || "0", 10) || 0;
  $("filter").onsubmit = (e) => { e.preventDefault(); offset = 0; load(); };
  $("filter").onreset = () => setTimeout(() => { offset = 0; load(); });
  $("prev").onclick = () => { offset = Math.max(0, offset - PAGE); load(); };
  $("next").onclick = () => { offset += PAGE; load(); };
  load();
});
