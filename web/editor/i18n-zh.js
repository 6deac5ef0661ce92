// Chinese texts of the dialplan editor, keyed by the English text (see /i18n/i18n.js).
"use strict";
window.hotlineI18nZh = Object.assign(window.hotlineI18nZh || {}, {
  "hotline · dialplan editor": "hotline · 拨号计划编辑器", "dialplan": "拨号计划", "not connected": "未连接",
  "admin token": "管理员令牌", "Connect": "连接", "Load live": "载入线上版本",
  "Discard edits and load the live version": "放弃修改并载入线上版本", "Validate": "校验", "Diff vs live": "与线上对比",
  "Deploy": "发布", "dialplan YAML": "拨号计划 YAML", "Problems": "问题", "Validate to check the plan.": "点击校验以检查计划。",
  "Diff": "差异", "Simulate a call": "模拟来电", "To": "被叫", "From": "主叫", "At": "时间", "Keys": "按键",
  "Says": "说话", "I want an agent": "我要转人工", "Simulate": "模拟", "Versions": "版本", "when": "时间", "who": "操作人",
  "not authorised": "未授权", "node \"{node}\": ": "节点“{node}”：", "Valid: no errors, no warnings.": "有效：没有错误，没有警告。",
  "cannot load": "无法载入", "live: version {n}": "线上：版本 {n}", "last reload failed": "上次重新加载失败",
  "valid": "有效", "{n} error(s)": "{n} 个错误", "No changes against the live version.": "与线上版本相比没有改动。",
  "fix the errors before deploying": "请先修正错误再发布",
  "Deploy this dialplan? New calls get it at once; calls in progress keep their version.": "发布此拨号计划？新来电立即使用，进行中的通话保持原版本。",
  "deploy rejected": "发布被拒绝", "Roll back": "回滚", "version {n} is live (copy of {from})": "版本 {n} 已上线（复制自 {from}）",
  "rollback failed": "回滚失败", "simulation failed (see problems)": "模拟失败（见问题列表）",
  "route {route} ({why}) → flow {flow}, {lang}": "路由 {route}（{why}）→ 流程 {flow}，{lang}", "end: {end}": "结束：{end}",
});
