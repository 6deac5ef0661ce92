// /replies: the reply-script library's review page. Ops generate candidates for intents (typed
// or the period's top intents from /api/insights), then approve, edit or reject them in bulk.
// Without a language model the server assembles candidates from knowledge-base sentences and
// templates (engine "embedded"), and the page says so.
"use strict";
window.hotlineI18nZh = Object.assign(window.hotlineI18nZh || {}, {
  "Reply scripts": "话术库", "Generate candidates": "批量生成候选话术", "Intents (comma-separated)": "意图(逗号分隔)",
  "Tone": "语气", "formal": "正式", "warm": "亲切", "brief": "简洁", "Variants": "每个意图数量", "Script language": "话术语言",
  "Generate": "生成", "Top intents": "主要意图", "Scripts": "话术", "Status": "状态", "draft": "草稿", "approved": "已批准",
  "retired": "已停用", "Select all": "全选", "Approve selected": "批准所选", "Reject selected": "驳回所选",
  "Retire selected": "停用所选", "Note": "备注", "Save": "保存", "Passages used": "引用的知识库段落",
  "Version": "版本", "Uses": "使用次数", "No scripts match.": "没有匹配的话术。", "Nothing selected.": "未选择任何话术。",
  "Saved.": "已保存。", "{n} scripts": "{n} 条话术", "{n} candidates generated.": "已生成 {n} 条候选话术。",
  "Skipped {intent}: {reason}": "已跳过 {intent}：{reason}", "Generating…": "正在生成…",
  "Engine: language model. Candidates state only the knowledge-base passages they cite.": "引擎：大语言模型。候选话术只陈述其引用的知识库段落。",
  "Engine: embedded. No language model is configured: candidates are assembled from knowledge-base sentences and templates.": "引擎：内置。未配置大语言模型：候选话术由知识库句子和模板拼成。",
  "embedded": "内置", "llm": "大语言模型", "by": "作者",
  // Why an intent got no candidate (POST /api/replies/generate's skipped[].reason).
  "no knowledge-base passage matches this intent": "知识库中没有与该意图匹配的段落",
  "no candidate cited a knowledge-base passage": "没有候选话术引用知识库段落",
});
let shown = [];
function selected() {
  return Array.from(document.querySelectorAll(".script .pick:checked")).map((c) => c.closest(".script").dataset.id);
}
function render(list) {
  shown = list;
  const box = $("scripts"); box.innerHTML = "";
  $("count").textContent = list.length ? t("{n} scripts", { n: list.length }) : t("No scripts match.");
  $("select-all").checked = false;
  for (const s of list) {
    const title = el("input", { class: "title", value: s.title, "aria-label": "title" });
    const text = el("textarea", { class: "text", "aria-label": "text" }); text.value = s.text;
    const save = el("button", { class: "save" }, t("Save"));
    save.onclick = () => edit(s.id, title.value, text.value).catch(showError);
    const meta = el("div", { class: "meta" },
      el("b", {}, s.intent), el("b", {}, s.lang), s.tone ? el("b", {}, t(s.tone)) : null,
      el("b", { class: "status status-" + s.status }, t(s.status)),
      el("span", {}, t("Version") + " " + s.version + " · " + t("Uses") + " " + s.uses + " · " + t("by") + " " + s.author),
      s.engine ? el("span", { class: "engine-" + s.engine }, " · " + t(s.engine)) : null);
    const body = el("div", {}, meta, title, text);
    if (s.passages && s.passages.length) {
      const ul = el("ul", {});
      for (const p of s.passages) ul.append(el("li", { class: "passage" }, p));
      body.append(el("details", {}, el("summary", {}, t("Passages used") + " (" + s.passages.length + ")"), ul));
    }
    body.append(save);
    box.append(el("div", { class: "script", "data-id": s.id, "data-status": s.status },
      el("input", { type: "checkbox", class: "pick", "aria-label": "select" }), body));
  }
}
async function load() {
  const p = new URLSearchParams();
  for (const [k, id] of [["status", "f-status"], ["intent", "f-intent"], ["lang", "f-lang"]]) {
    if ($(id).value.trim()) p.set(k, $(id).value.trim());
  }
  render(await api("/api/replies?" + p));
}
function showError(e) { $("error").textContent = e.message; }
function post(path, body, method) {
  return api(path, { method: method || "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
}
async function edit(id, title, text) {
  await post("/api/replies/" + encodeURIComponent(id), { title, text }, "PATCH");
  $("error").textContent = "";
  $("gen-status").textContent = t("Saved.");
  await load();
}
async function review(action) {
  const ids = selected();
  if (!ids.length) { $("error").textContent = t("Nothing selected."); return; }
  await post("/api/replies/review", { ids, action, note: $("note").value });
  $("error").textContent = "";
  await load();
}
async function generate() {
  const intents = $("gen-intents").value.split(/[,，]/).map((s) => s.trim()).filter(Boolean);
  $("gen-status").textContent = t("Generating…");
  const r = await post("/api/replies/generate", { intents, tone: $("gen-tone").value, count: parseInt($("gen-count").value, 10) || 3, lang: $("gen-lang").value });
  showEngine(r.engine);
  const lines = [t("{n} candidates generated.", { n: r.scripts.length })];
  for (const s of r.skipped || []) lines.push(t("Skipped {intent}: {reason}", { intent: s.intent, reason: t(s.reason) }));
  $("gen-status").textContent = lines.join(" ");
  $("error").textContent = "";
  $("f-status").value = "draft";
  await load();
}
function showEngine(engine) {
  const e = $("engine");
  e.dataset.engine = engine;
  e.className = engine === "embedded" ? "engine-embedded" : "muted";
  e.textContent = engine === "embedded"
    ? t("Engine: embedded. No language model is configured: candidates are assembled from knowledge-base sentences and templates.")
    : t("Engine: language model. Candidates state only the knowledge-base passages they cite.");
}
async function topIntents() {
  const until = new Date(), since = new Date(until.getTime() - 30 * 86400000);
  try {
    const r = await api("/api/insights?" + new URLSearchParams({ since: since.toISOString(), until: until.toISOString(), bucket: "day" }));
    const box = $("top-intents"); box.innerHTML = "";
    for (const c of (r.intents || []).slice(0, 10)) {
      const chip = el("span", { class: "chip", "data-intent": c.label }, c.label + " (" + c.n + ")");
      chip.onclick = () => {
        const cur = $("gen-intents").value.trim();
        $("gen-intents").value = cur ? cur + ", " + chip.dataset.intent : chip.dataset.intent;
      };
      box.append(chip);
    }
    if (!box.childNodes.length) box.textContent = "—";
  } catch (e) { /* insights are optional here */ }
}
document.addEventListener("DOMContentLoaded", () => {
  translatePage();
  $("gen-lang").value = lang === "zh" ? "zh-CN" : "en-US";
  $("generate").onclick = () => generate().catch(showError);
  $("reload").onclick = () => load().catch(showError);
  $("f-status").onchange = () => load().catch(showError);
  $("approve").onclick = () => review("approve").catch(showError);
  $("reject").onclick = () => review("reject").catch(showError);
  $("retire").onclick = () => review("retire").catch(showError);
  $("select-all").onchange = () => document.querySelectorAll(".script .pick").forEach((c) => { c.checked = $("select-all").checked; });
  api("/api/replies/engine").then((r) => showEngine(r.engine)).catch(showError);
  load().catch(showError);
  topIntents();
});
