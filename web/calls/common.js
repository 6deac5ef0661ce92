// hotline staff pages (/calls, /calls/{id}, /insights): shared helpers and the English/Chinese
// strings. The language follows ?lang=, then the saved choice, then the browser.
"use strict";
const $ = (id) => document.getElementById(id);
// The Chinese texts join the shared catalogue of /i18n/i18n.js (loaded first).
window.hotlineI18nZh = Object.assign(window.hotlineI18nZh || {}, {
    "Calls": "通话记录", "Insights": "分析洞察", "Supervisor": "坐席监控", "From": "起始", "To": "截止",
    "Number": "号码", "Queue": "队列", "Agent": "坐席", "Disposition": "结果", "Category": "类别",
    "Sentiment": "情绪", "Min duration (s)": "最短时长(秒)", "Max duration (s)": "最长时长(秒)",
    "Search transcripts": "搜索通话文本", "Search": "搜索", "Export CSV": "导出 CSV", "Reset": "重置",
    "Start": "开始时间", "Caller": "主叫", "Called": "被叫", "Duration": "时长", "Categories": "类别",
    "Analysis": "分析", "Previous": "上一页", "Next": "下一页", "any": "全部", "No calls match.": "没有匹配的通话。",
    "calls": "通", "Sign in": "登录", "Supervisor or admin only": "仅限主管或管理员",
    "Sign in on the agent desktop with a supervisor account, then come back.": "请先在坐席工作台用主管账号登录，然后返回此页。",
    "Recording": "录音", "Transcript": "通话文本", "Summary": "摘要", "Intent": "意图", "Topics": "话题",
    "Action items": "待办事项", "Talk and silence": "说话与静默", "Path": "流程路径", "Wrap-up": "话后小结",
    "Listened by": "收听记录", "Redacted": "已脱敏", "caller": "客户", "agent": "坐席", "bot": "机器人",
    "Caller talk": "客户说话", "Other side talk": "对方说话", "Silence": "静默", "Longest silence": "最长静默",
    "Overtalk": "抢话", "Caller interruptions": "客户打断", "Agent interruptions": "坐席打断",
    "Agent talk ratio": "坐席说话占比", "Hold": "保持", "Time to answer": "接通用时", "Wait in queue": "排队等待",
    "No recording.": "没有录音。", "No transcript yet.": "暂无通话文本。", "paused": "已暂停",
    "Period": "时间段", "Last 24 hours": "最近 24 小时", "Last 7 days": "最近 7 天", "Last 30 days": "最近 30 天",
    "Answered": "接通", "Abandoned": "放弃", "Service level (20 s)": "服务水平(20秒)", "Avg handle time": "平均处理时长",
    "Avg caller sentiment": "客户平均情绪", "Bot containment": "机器人独立解决率", "Top intents": "主要意图",
    "Top categories": "主要类别", "Questions the bot could not answer": "机器人未能回答的问题",
    "Calls per period": "各时段通话量", "Service level": "服务水平", "Average handle time": "平均处理时长",
    "Sentiment trend": "情绪趋势", "Analysis jobs": "分析任务", "Webhooks": "Webhook 投递", "Incomplete": "不完整",
    "Notes": "备注", "queued": "排队中", "running": "进行中", "done": "完成", "failed": "失败", "Language": "语言",
    "Rerun rules": "重新运行规则", "Reply scripts": "话术库",
    // A call the server's stop cut short (closed at the next start), and one going on.
    "interrupted": "已中断", "in_progress": "进行中", "in progress": "进行中",
});
window.hotlineI18nEn = Object.assign(window.hotlineI18nEn || {}, { "in_progress": "in progress" });
const lang = hotlineI18n.lang;
function translatePage() {
  hotlineI18n.apply();
  document.querySelectorAll("[data-t]").forEach((el) => { el.textContent = t(el.dataset.t); });
  document.querySelectorAll("[data-tp]").forEach((el) => { el.placeholder = t(el.dataset.tp); });
  const sw = $("lang");
  if (sw) {
    hotlineI18n.bindSwitch(sw);
  }
}
function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else if (k.startsWith("on")) e[k] = v; else e.setAttribute(k, v);
  }
  for (const k of kids) if (k !== null && k !== undefined) e.append(k);
  return e;
}
const dur = hotlineI18n.duration;
const when = hotlineI18n.dateTime;
// api fetches JSON from the staff API; a missing or wrong session shows the sign-in card.
async function api(path, opts) {
  const r = await fetch(path, Object.assign({ credentials: "same-origin" }, opts || {}));
  if (r.status === 401 || r.status === 403) {
    const d = $("denied");
    if (d) d.classList.remove("hidden");
    const m = $("main");
    if (m) m.classList.add("hidden");
    throw new Error("not signed in");
  }
  const body = await r.json();
  if (!r.ok) throw new Error(body.error || r.statusText);
  return body;
}
