// Chinese texts of the agent desktop and the supervisor page, keyed by the English text (see
// /i18n/i18n.js). Other scripts may add their own with Object.assign on window.hotlineI18nZh.
"use strict";
window.hotlineI18nZh = Object.assign(window.hotlineI18nZh || {}, {
  // Page chrome and sign-in.
  "hotline · agent desktop": "hotline · 坐席工作台", "hotline · supervisor": "hotline · 坐席监控",
  "agent desktop": "坐席工作台", "supervisor": "坐席监控", "Sign in": "登录", "Agent id": "坐席工号",
  "Password": "密码", "Log out": "退出登录", "state": "状态", "Calls": "通话记录", "Insights": "分析洞察",
  "Supervisor only": "仅限主管",
  "Sign in on the agent desktop with a supervisor account, then come back.": "请先在坐席工作台用主管账号登录，然后返回此页。",
  "Open the agent desktop": "打开坐席工作台",
  // Agent states and reasons (as the server names them, underscores as spaces).
  "offline": "离线", "available": "空闲", "ringing": "振铃中", "on call": "通话中", "wrap up": "话后处理",
  "break": "小休", "unknown": "未知", "no answer": "未接听", "rejected": "已拒接", "not ready": "未就绪",
  "lunch": "午餐", "training": "培训", "admin": "事务",
  "Available": "空闲", "Break": "小休", "Break · lunch": "小休 · 午餐", "Break · training": "小休 · 培训",
  "Break · admin work": "小休 · 事务处理",
  // The softphone.
  "No call": "无通话", "Set yourself available to take calls.": "设为空闲即可接听来电。",
  "Waiting for the next caller.": "等待下一位来电。", "On break: set yourself available to take calls.": "小休中：设为空闲即可接听来电。",
  "Answer": "接听", "Reject": "拒接", "Mute": "静音", "Unmute": "取消静音", "Hold": "保持", "Resume": "恢复",
  "Hang up": "挂断", "Pause recording": "暂停录音", "Resume recording": "恢复录音", "Record": "录音",
  "Pause the recording while the caller reads out a card number": "客户报卡号时暂停录音",
  "● Recording": "● 录音中", "Recording paused": "录音已暂停", "Not recorded": "未录音",
  "Not recorded (this line is never recorded)": "未录音（此线路从不录音）",
  "transfer to": "转接到", "Transfer": "转接", "Consult": "咨询",
  "Blind transfer: hand the caller over now": "直接转接：立即把客户转过去",
  "Warm transfer: talk to the colleague first, the caller on hold": "咨询转接：先与同事通话，客户保持等待",
  "Complete transfer": "完成转接", "Cancel": "取消", "Queue · {name}": "队列 · {name}", "Agent · {name}": "坐席 · {name}",
  "Calling {who}… (caller on hold)": "正在呼叫 {who}…（客户保持中）", "Talking with {who} (caller on hold)": "正在与 {who} 通话（客户保持中）",
  "{who} is not available": "{who} 无法接听", "Consultation ended: back with the caller": "咨询结束：已回到客户通话",
  "Transferred to {who}": "已转接给 {who}", "Caller audio": "客户声音", "Your microphone": "您的麦克风",
  "Ringing on your phone": "您的话机正在振铃", "Incoming call": "来电", "Connecting…": "正在连接…",
  "On call (phone)": "通话中（话机）", "On call": "通话中", "queue {name}": "队列 {name}",
  // Wrap-up and the dispositions of the default configuration.
  "Wrap-up": "话后小结", "Disposition": "处理结果", "Notes": "备注", "What happened, what was promised": "发生了什么，承诺了什么",
  "Save and finish": "保存并结束", "resolved": "已解决", "follow up": "需跟进", "escalated": "已升级",
  "wrong number": "打错电话", "other": "其他",
  // The screen pop.
  "Caller": "来电客户", "Customer": "客户档案", "Details of the next caller appear here the moment the call rings.": "来电振铃时，这里会立即显示客户信息。",
  "Number": "号码", "Dialled": "拨打号码", "Route": "路由", "Queue": "队列", "Waited": "等待时长", "Language": "语言",
  "Path": "流程路径", "From the voice bot": "来自语音机器人", "Intent": "意图", "Reason": "转人工原因",
  "Transcript": "通话文本", "positive": "积极", "neutral": "中性", "negative": "消极",
  "caller": "客户", "bot": "机器人", "agent": "坐席",
  // The activity log.
  "Activity": "动态", "connected": "已连接", "disconnected; reconnecting": "连接断开，正在重连",
  "call rang out": "来电振铃超时", "call withdrawn": "来电已撤回", "media error: {err}": "媒体错误：{err}",
  "call ended ({cause})": "通话结束（{cause}）", "wrap-up saved": "话后小结已保存", "error: {err}": "错误：{err}",
  "incoming call from {from} (on your phone)": "{from} 来电（在您的话机上）", "incoming call from {from}": "{from} 来电",
  "media {state}": "媒体{state}", "new": "新建", "connecting": "连接中", "disconnected": "已断开", "failed": "失败",
  "closed": "已关闭", "cancelled": "已取消", "completed": "已完成",
  "could not start audio: {err}": "无法启动音频：{err}", "talking with {from} on your phone": "正在用话机与 {from} 通话",
  "talking with {from}": "正在与 {from} 通话", "consult {who}: {state}": "咨询 {who}：{state}",
  "transferring to {target}": "正在转接到 {target}", "consult needs an agent, not a queue": "咨询只能选坐席，不能选队列",
  // The supervisor page.
  "Waiting": "排队中", "Longest wait": "最长等待", "Agents available": "空闲坐席", "Queues": "队列",
  "Ringing": "振铃", "Answered": "接通", "Lost": "放弃", "Service level (20 s)": "服务水平(20秒)", "Avg handle": "平均处理时长",
  "Agents": "坐席", "Agent": "坐席", "State": "状态", "Time in state": "状态时长", "Devices": "设备",
  "Current call": "当前通话", "Calls in progress": "进行中的通话", "Call": "通话", "From": "主叫", "Where": "位置", "For": "持续",
  "in IVR": "语音导航中", "with bot": "机器人接待", "waiting": "排队中", "talking": "通话中", "consulting": "咨询中",
  "external": "外部", "with {who}": "与 {who}", "updated {time}": "更新于 {time}",
});
