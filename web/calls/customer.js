// /customers/{id}: one customer's profile, the timeline of their calls and chats, the merges
// that made the profile (each can be undone), an edit form, export and erasure. Every value is
// set as text, never as markup.
"use strict";
const cid = decodeURIComponent(location.pathname.split("/").pop());
window.hotlineI18nZh = Object.assign(window.hotlineI18nZh || {}, {
  "Customer": "客户", "Desktop": "坐席工作台", "Timeline": "接触记录", "When": "时间", "Channel": "渠道", "voice": "电话", "chat": "在线聊天",
  "No contacts yet.": "暂无接触记录。", "Merges": "合并记录", "This profile was never merged with another.": "此档案未与其他档案合并过。",
  "Merge in profile": "并入档案", "Merge": "合并", "Undo": "撤销", "undone": "已撤销", "Edit": "编辑", "Name": "姓名", "Tags": "标签",
  "comma-separated": "用逗号分隔", "Consents to recording": "同意录音", "Consents to marketing": "同意营销联系", "Save": "保存", "Saved.": "已保存。",
  "Data": "数据", "Export (JSON)": "导出 (JSON)", "Erase everything": "全部删除",
  "Erasing deletes the profile, its calls and chats, recordings, transcripts and messages. Admins only.": "删除会清除档案及其全部通话、聊天、录音、文本和消息。仅限管理员。",
  "Erase this customer and all their calls, chats and recordings? This cannot be undone.": "确定删除该客户及其全部通话、聊天和录音吗？此操作无法撤销。",
  "Erased.": "已删除。", "Phones": "电话", "E-mails": "邮箱", "Chat users": "聊天账号", "Created": "创建时间", "Fields": "字段",
  "Consent": "授权", "recording": "录音", "marketing": "营销", "none": "无", "merged {from} by {by}, matched {matched}": "{by} 合并了 {from}，匹配依据：{matched}",
  "Sign in on the agent desktop, then come back.": "请先在坐席工作台登录，然后返回此页。", "by hand": "手动",
  "abandoned": "放弃", "answered": "接通", "completed": "完成", "no_agent": "无坐席", "timeout": "超时", "voicemail": "语音留言", "negative": "负面", "positive": "正面", "neutral": "中性",
});
function row(dl, label, value) { dl.append(el("dt", {}, t(label)), el("dd", {}, value || "—")); }
function showError(e) { $("error").textContent = e.message || String(e); }
async function load() {
  const [c, tl, ms] = await Promise.all([
    api("/api/customers/" + encodeURIComponent(cid)),
    api("/api/customers/" + encodeURIComponent(cid) + "/timeline"),
    api("/api/customers/" + encodeURIComponent(cid) + "/merges"),
  ]);
  document.title = "hotline · " + (c.name || c.id);
  $("name").textContent = c.name || c.id;
  const f = $("facts"); f.innerHTML = "";
  row(f, "Phones", (c.phones || []).join(", "));
  row(f, "E-mails", (c.emails || []).join(", "));
  row(f, "Chat users", (c.chat_users || []).join(", "));
  row(f, "Tags", (c.tags || []).join(", "));
  row(f, "Language", c.language);
  const consent = [c.consent.recording ? t("recording") : "", c.consent.marketing ? t("marketing") : ""].filter(Boolean).join(", ");
  row(f, "Consent", consent || t("none"));
  row(f, "Fields", Object.entries(c.fields || {}).map(([k, v]) => k + ": " + v).join(", "));
  row(f, "Created", when(c.created));
  const form = $("edit");
  form.name.value = c.name || ""; form.tags.value = (c.tags || []).join(", "); form.language.value = c.language || "";
  form.recording.checked = !!c.consent.recording; form.marketing.checked = !!c.consent.marketing;
  $("export").href = "/api/customers/" + encodeURIComponent(cid) + "/export";

  const tb = $("timeline"); tb.innerHTML = "";
  $("notimeline").classList.toggle("hidden", tl.length > 0);
  const days = 7, recent = tl.filter((e) => Date.now() - new Date(e.at).getTime() < days * 864e5).length;
  $("brief").textContent = t("{n} contacts in {d} days", { n: recent, d: days });
  for (const e of tl) {
    const link = el("a", { href: "/calls/" + encodeURIComponent(e.id) }, when(e.at));
    tb.append(el("tr", { "data-id": e.id }, el("td", {}, link), el("td", { class: "nowrap" }, t(e.channel)), el("td", {}, e.disposition ? t(e.disposition) : "—"),
      el("td", {}, e.agent || "—"), el("td", {}, e.summary || "—"),
      el("td", { class: "nowrap senti " + (e.sentiment || "") }, e.sentiment ? t(e.sentiment) : "—"), el("td", {}, (e.categories || []).join(", "))));
  }
  const ul = $("merges"); ul.innerHTML = "";
  $("nomerges").classList.toggle("hidden", ms.length > 0);
  for (const m of ms) {
    const li = el("li", { "data-merge": m.id }, when(m.at) + " · " + t("merged {from} by {by}, matched {matched}",
      { from: [m.before && m.before.name, ...((m.before && m.before.phones) || []), m.from].filter(Boolean).join(" "), by: m.by, matched: t(m.matched || "—") }) + " ");
    if (m.undone) li.append(el("span", { class: "badge" }, t("undone")));
    else li.append(el("button", { class: "undo", onclick: () => undo(m.id) }, t("Undo")));
    ul.append(li);
  }
}
async function undo(id) {
  try { await api("/api/customer-merges/" + encodeURIComponent(id) + "/undo", { method: "POST" }); await load(); } catch (e) { showError(e); }
}
document.addEventListener("DOMContentLoaded", () => {
  window.hotlineI18nZh["{n} contacts in {d} days"] = "{d} 天内 {n} 次接触";
  translatePage();
  $("edit").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = ev.target;
    const body = { name: f.name.value, tags: f.tags.value.split(",").map((s) => s.trim()).filter(Boolean), language: f.language.value,
      consent: { recording: f.recording.checked, marketing: f.marketing.checked } };
    try {
      await api("/api/customers/" + encodeURIComponent(cid), { method: "PATCH", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
      $("saved").textContent = t("Saved."); await load();
    } catch (e) { showError(e); }
  });
  $("mergeform").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const from = $("mergefrom").value.trim();
    if (!from) return;
    try {
      await api("/api/customers/" + encodeURIComponent(cid) + "/merge", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ from }) });
      $("mergefrom").value = ""; await load();
    } catch (e) { showError(e); }
  });
  $("erase").addEventListener("click", async () => {
    if (!confirm(t("Erase this customer and all their calls, chats and recordings? This cannot be undone."))) return;
    try {
      const r = await fetch("/api/customers/" + encodeURIComponent(cid), { method: "DELETE", credentials: "same-origin" });
      if (!r.ok) throw new Error((await r.json()).error || r.statusText);
      $("main").classList.add("hidden"); $("error").textContent = t("Erased.");
    } catch (e) { showError(e); }
  });
  load().catch(showError);
});
