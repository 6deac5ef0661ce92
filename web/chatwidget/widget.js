// hotline web chat widget. One <script src="{base}/chat/widget.js" async> tag
// on any page: a launcher button and a chat panel inside a Shadow DOM, so the
// host page's CSS cannot reach in and ours cannot leak out. Every message is
// written with textContent, never innerHTML: visitor, bot and agent text is
// data, not markup. The API is described in web/README.md ("Web chat widget").
(function () {
  "use strict";
  if (window.HotlineChat && window.HotlineChat.version) return; // loaded twice
  var script = document.currentScript || (function () {
    var all = document.querySelectorAll('script[src*="/chat/widget.js"]');
    return all[all.length - 1];
  })();
  if (!script) return;
  var base = script.src.replace(/\/chat\/widget\.js(?:[?#].*)?$/, "");
  var ds = script.dataset || {};
  var storeKey = "hotline-chat:" + base;

  // --- catalogue: English is the key, zh-CN the value -------------------
  var ZH = {
    "Chat with us": "与我们聊天",
    "Open chat": "打开聊天",
    "Close chat": "关闭聊天",
    "End chat": "结束聊天",
    "Send": "发送",
    "Attach an image": "发送图片",
    "Type a message…": "输入消息…",
    "Message": "消息",
    "Chat messages": "聊天消息",
    "Your name": "您的姓名",
    "Phone": "电话",
    "E-mail": "电子邮箱",
    "Phone or e-mail": "电话或电子邮箱",
    "Start chat": "开始聊天",
    "Please tell us a little about yourself.": "请先简单介绍一下您自己。",
    "We are offline right now. Leave a message and we will get back to you.": "我们现在不在线。请留言，我们会尽快回复您。",
    "Opening hours: {hours}": "营业时间：{hours}",
    "Send message": "发送留言",
    "Thank you! We will get back to you soon.": "谢谢！我们会尽快回复您。",
    "You are talking to our assistant": "您正在与智能助手对话",
    "Waiting for an agent…": "正在等待客服…",
    "You are talking to {name}": "您正在与 {name} 对话",
    "Chat ended": "聊天已结束",
    "Start new chat": "开始新的聊天",
    "Connecting…": "正在连接…",
    "Reconnecting…": "正在重新连接…",
    "typing…": "正在输入…",
    "{name} is typing…": "{name} 正在输入…",
    "You": "您",
    "Assistant": "智能助手",
    "Agent": "客服",
    "Image": "图片",
    "Loading…": "加载中…",
    "Your message is too long.": "您的消息太长了。",
    "You are sending too fast. Please wait a moment.": "发送太快了，请稍候。",
    "This chat has ended.": "本次聊天已结束。",
    "Only images can be attached.": "只能发送图片。",
    "The image is too big (2 MB at most).": "图片太大（最大 2 MB）。",
    "We are closed right now.": "我们现在不在营业时间。",
    "Chat is not available on this site.": "本网站无法使用聊天。",
    "We could not verify your identity.": "无法验证您的身份。",
    "Please check the form.": "请检查表单内容。",
    "Something went wrong. Please try again.": "出错了，请重试。",
    "Cannot reach the chat service.": "无法连接聊天服务。"
  };
  var lang = pickLang(ds.lang);
  function pickLang(l) {
    if (!l || l === "auto") l = navigator.language || "en";
    return /^zh/i.test(l) ? "zh-CN" : "en";
  }
  function t(s) { return (lang === "zh-CN" && ZH[s]) || s; }

  // --- DOM helpers -------------------------------------------------------
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) {
      if (k === "class") e.className = attrs[k];
      else e.setAttribute(k, attrs[k]);
    }
    if (text != null) e.textContent = text;
    return e;
  }
  function show(e, on) { e.hidden = !on; }
  // icon draws a 24×24 line icon from a path (SVG, so it needs no emoji font on the visitor's machine).
  function icon(d) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24"); svg.setAttribute("width", "24"); svg.setAttribute("height", "24");
    svg.setAttribute("aria-hidden", "true"); svg.setAttribute("fill", "none"); svg.setAttribute("stroke", "currentColor");
    svg.setAttribute("stroke-width", "2"); svg.setAttribute("stroke-linecap", "round"); svg.setAttribute("stroke-linejoin", "round");
    var p = document.createElementNS(ns, "path");
    p.setAttribute("d", d);
    svg.appendChild(p);
    return svg;
  }

  var host = el("div", { id: "hotline-chat" });
  var root = host.attachShadow({ mode: "open" });
  // The stylesheet is a separate file loaded with <link>: host pages with a
  // strict Content-Security-Policy (no inline styles) can still allow it by
  // listing the hotline origin, and browsers cache it.
  root.appendChild(el("link", { rel: "stylesheet", href: base + "/chat/widget.css" }));
  var title = ds.title || t("Chat with us");
  var launcher = el("button", { class: "launcher", type: "button", "aria-label": t("Open chat"), "aria-expanded": "false" });
  var bubbleIcon = el("span", { class: "icon", "aria-hidden": "true" });
  bubbleIcon.appendChild(icon("M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12z"));
  launcher.appendChild(bubbleIcon);
  var badge = el("span", { class: "badge", "aria-hidden": "true" });
  show(badge, false);
  launcher.appendChild(badge);
  var panel = el("section", { class: "panel", role: "dialog", "aria-label": title });
  show(panel, false);
  var head = el("header");
  var titles = el("div", { class: "titles" });
  titles.appendChild(el("h2", null, title));
  var stateLine = el("p", { class: "state" });
  titles.appendChild(stateLine);
  head.appendChild(titles);
  var endBtn = el("button", { class: "end", type: "button", "aria-label": t("End chat") }, t("End chat"));
  show(endBtn, false);
  var closeBtn = el("button", { class: "close", type: "button", "aria-label": t("Close chat") }, "\u00D7");
  head.appendChild(endBtn);
  head.appendChild(closeBtn);
  panel.appendChild(head);
  var errLine = el("p", { class: "error", role: "alert" });
  show(errLine, false);
  var view = el("div", { class: "view" });
  panel.appendChild(view);
  panel.appendChild(errLine);
  root.appendChild(launcher);
  root.appendChild(panel);

  // chat view, built once and reused
  var chat = el("div", { class: "chat" });
  var log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": t("Chat messages"), tabindex: "0" });
  var typingLine = el("p", { class: "typing", "aria-live": "polite" });
  show(typingLine, false);
  var composer = el("form", { class: "composer" });
  var fileIn = el("input", { type: "file", accept: "image/*", class: "file", tabindex: "-1", "aria-hidden": "true" });
  var attachBtn = el("button", { type: "button", class: "attach", "aria-label": t("Attach an image") });
  attachBtn.appendChild(icon("M21 11.5l-8.5 8.5a5 5 0 0 1-7-7l9-9a3.3 3.3 0 0 1 4.7 4.7l-9 9a1.7 1.7 0 0 1-2.4-2.4l8.3-8.3"));
  var input = el("textarea", { rows: "1", placeholder: t("Type a message…"), "aria-label": t("Message"), maxlength: "4096" });
  var sendBtn = el("button", { type: "submit", class: "send", "aria-label": t("Send") }, t("Send"));
  composer.appendChild(fileIn);
  composer.appendChild(attachBtn);
  composer.appendChild(input);
  composer.appendChild(sendBtn);
  var endedBar = el("div", { class: "ended" });
  var newBtn = el("button", { type: "button", class: "new", "aria-label": t("Start new chat") }, t("Start new chat"));
  endedBar.appendChild(newBtn);
  show(endedBar, false);
  chat.appendChild(log);
  chat.appendChild(typingLine);
  chat.appendChild(composer);
  chat.appendChild(endedBar);

  // --- state -------------------------------------------------------------
  var sess = null;        // {id, token}
  var state = "";
  var agentName = "";
  var seen = {};          // seq → element
  var lastSeq = 0;
  var ws = null, wsTries = 0, wsTimer = null;
  var started = false;
  var identity = null;    // {user_id, signature}
  var prefill = {};
  if (ds.identityUser && ds.identitySignature) identity = { user_id: ds.identityUser, signature: ds.identitySignature };

  function load() {
    try { var v = JSON.parse(localStorage.getItem(storeKey) || "null"); return v && v.id && v.token ? v : null; } catch (e) { return null; }
  }
  function save(s) { try { localStorage.setItem(storeKey, JSON.stringify({ id: s.id, token: s.token })); } catch (e) { /* private mode: the chat still works in this tab */ } }
  function forget() { try { localStorage.removeItem(storeKey); } catch (e) { /* ignore */ } }

  // --- HTTP --------------------------------------------------------------
  function api(method, path, body, contentType) {
    var h = {};
    if (sess && path.indexOf("/chat/api/sessions/") === 0) h.Authorization = "Bearer " + sess.token;
    var opt = { method: method, headers: h };
    if (body !== undefined) {
      if (contentType) { opt.body = body; h["Content-Type"] = contentType; }
      else { opt.body = JSON.stringify(body); h["Content-Type"] = "application/json"; }
    }
    return fetch(base + path, opt).then(function (r) {
      if (r.status === 204) return {};
      return r.text().then(function (txt) {
        var j = null;
        try { j = txt ? JSON.parse(txt) : {}; } catch (e) { j = null; }
        if (!r.ok) {
          var err = new Error((j && j.error) || ("HTTP " + r.status));
          err.status = r.status;
          err.path = path;
          throw err;
        }
        return j || {};
      });
    }, function () {
      var err = new Error("network");
      err.status = 0;
      throw err;
    });
  }
  // Known statuses get a translated sentence; otherwise the server's own text.
  function errorText(e) {
    var upload = e.path && /\/attachments$/.test(e.path);
    switch (e.status) {
      case 0: return t("Cannot reach the chat service.");
      case 413: return upload ? t("The image is too big (2 MB at most).") : t("Your message is too long.");
      case 429: return t("You are sending too fast. Please wait a moment.");
      case 409: return t("This chat has ended.");
      case 415: return t("Only images can be attached.");
      case 503: return t("We are closed right now.");
      case 403: return t("Chat is not available on this site.");
      case 401: return t("We could not verify your identity.");
      case 400: return t("Please check the form.");
    }
    return e.message && lang === "en" ? e.message : t("Something went wrong. Please try again.");
  }
  var errTimer = null;
  function showError(e) {
    errLine.textContent = typeof e === "string" ? e : errorText(e);
    show(errLine, true);
    clearTimeout(errTimer);
    errTimer = setTimeout(function () { show(errLine, false); }, 8000);
    if (e && e.status === 409) setState("ended");
  }
  function clearError() { show(errLine, false); }

  // --- views -------------------------------------------------------------
  function setView(node) {
    while (view.firstChild) view.removeChild(view.firstChild);
    view.appendChild(node);
  }
  function field(form, name, label, type, required) {
    var id = "hc-" + name;
    var wrap = el("p", { class: "field" });
    wrap.appendChild(el("label", { for: id }, label));
    var inp = type === "textarea" ? el("textarea", { id: id, name: name, rows: "4", maxlength: "4096" }) : el("input", { id: id, name: name, type: type });
    if (required) inp.required = true;
    if (prefill[name]) inp.value = prefill[name];
    wrap.appendChild(inp);
    form.appendChild(wrap);
    return inp;
  }
  function loading() { setView(el("p", { class: "note" }, t("Loading…"))); }

  function offlineForm(hours) {
    var f = el("form", { class: "form offline" });
    f.appendChild(el("p", { class: "note" }, t("We are offline right now. Leave a message and we will get back to you.")));
    if (hours) f.appendChild(el("p", { class: "note hours" }, t("Opening hours: {hours}").replace("{hours}", hours)));
    var name = field(f, "name", t("Your name"), "text", true);
    var contact = field(f, "contact", t("Phone or e-mail"), "text", true);
    var text = field(f, "text", t("Message"), "textarea", true);
    var btn = el("button", { type: "submit", class: "primary" }, t("Send message"));
    f.appendChild(btn);
    f.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var c = contact.value.trim();
      var body = { name: name.value.trim(), text: text.value, language: lang, phone: "", email: "" };
      if (c.indexOf("@") >= 0) body.email = c; else body.phone = c;
      btn.disabled = true;
      api("POST", "/chat/api/offline", body).then(function () {
        clearError();
        setView(el("p", { class: "note thanks", role: "status" }, t("Thank you! We will get back to you soon.")));
      }, function (e) { btn.disabled = false; showError(e); });
    });
    setView(f);
    name.focus();
  }

  var prechatFields = (ds.prechat || "").split(",").map(function (s) { return s.trim(); }).filter(function (s) {
    return s === "name" || s === "phone" || s === "email";
  });
  function prechatForm() {
    var f = el("form", { class: "form prechat" });
    f.appendChild(el("p", { class: "note" }, t("Please tell us a little about yourself.")));
    var inputs = {};
    prechatFields.forEach(function (k) {
      if (k === "name") inputs.name = field(f, "name", t("Your name"), "text", true);
      if (k === "phone") inputs.phone = field(f, "phone", t("Phone"), "tel", false);
      if (k === "email") inputs.email = field(f, "email", t("E-mail"), "email", false);
    });
    var btn = el("button", { type: "submit", class: "primary" }, t("Start chat"));
    f.appendChild(btn);
    f.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var body = {};
      for (var k in inputs) body[k] = inputs[k].value.trim();
      btn.disabled = true;
      createSession(body).catch(function (e) { btn.disabled = false; showError(e); });
    });
    setView(f);
    var first = f.querySelector("input");
    if (first) first.focus();
  }

  // --- session lifecycle -------------------------------------------------
  function start() {
    started = true;
    var stored = load();
    if (stored) return restore(stored);
    fresh();
  }
  function fresh() {
    loading();
    api("GET", "/chat/api/status").then(function (st) {
      if (!st.open) return offlineForm(st.hours || "");
      if (prechatFields.length) return prechatForm();
      loading();
      createSession({}).catch(showError);
    }, showError);
  }
  function createSession(body) {
    body.language = lang;
    body.page = location.href;
    if (identity) body.identity = identity;
    if (!body.name && prefill.name) body.name = prefill.name;
    if (!body.email && prefill.email) body.email = prefill.email;
    return api("POST", "/chat/api/sessions", body).then(function (r) {
      sess = { id: r.id, token: r.token };
      save(sess);
      openChat();
      (r.messages || []).forEach(addMsg);
      setState(r.state || "bot");
      connect();
    });
  }
  function restore(stored) {
    sess = stored;
    loading();
    return api("GET", "/chat/api/sessions/" + encodeURIComponent(sess.id) + "/messages?after=0").then(function (r) {
      openChat();
      (r.messages || []).forEach(addMsg);
      setState(r.state, r.agent);
      if (r.state !== "ended") connect();
    }, function (e) {
      if (e.status === 401 || e.status === 404) { // expired or unknown: start over cleanly
        reset();
        forget();
        return fresh();
      }
      sess = null;
      showError(e);
    });
  }
  function reset() {
    disconnect();
    sess = null; state = ""; agentName = ""; seen = {}; lastSeq = 0;
    while (log.firstChild) log.removeChild(log.firstChild);
    show(typingLine, false);
    show(endBtn, false);
    stateLine.textContent = "";
  }
  function openChat() {
    clearError();
    setView(chat);
    input.focus();
  }
  function setState(s, agent) {
    state = s || state;
    if (agent) agentName = agent;
    var txt = "";
    if (state === "bot") txt = t("You are talking to our assistant");
    else if (state === "queued") txt = t("Waiting for an agent…");
    else if (state === "agent") txt = t("You are talking to {name}").replace("{name}", agentName || t("Agent"));
    else if (state === "ended") txt = t("Chat ended");
    stateLine.textContent = txt;
    var ended = state === "ended";
    show(endBtn, !!sess && !ended);
    show(composer, !ended);
    show(endedBar, ended);
    if (ended) { show(typingLine, false); disconnect(); }
  }

  // --- messages ----------------------------------------------------------
  function who(m) {
    if (m.from === "visitor") return t("You");
    if (m.from === "agent") return m.name || agentName || t("Agent");
    if (m.from === "bot") return t("Assistant");
    return "";
  }
  function bubble(m) {
    var row = el("div", { class: "msg from-" + (m.from || "system") });
    var label = who(m);
    if (label) row.appendChild(el("span", { class: "who" }, label));
    if (m.attachment) {
      var img = el("img", { alt: t("Image"), class: "img" });
      row.appendChild(img);
      loadImage(img, m.attachment);
    }
    if (m.text) row.appendChild(el("span", { class: "text" }, m.text));
    if (m.at) {
      var d = new Date(m.at);
      if (!isNaN(d)) row.appendChild(el("time", { datetime: m.at }, d.toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" })));
    }
    if (m.seq) row.setAttribute("data-seq", String(m.seq));
    return row;
  }
  // <img> cannot send the Bearer header: fetch the bytes and show a blob: URL.
  function loadImage(img, path) {
    if (!sess) return;
    fetch(base + path, { headers: { Authorization: "Bearer " + sess.token } }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.blob();
    }).then(function (b) { img.src = URL.createObjectURL(b); }, function () { img.alt = t("Image") + " ✕"; });
  }
  function addMsg(m) {
    if (!m) return;
    if (m.seq && seen[m.seq]) return;
    // A visitor message echoed by the server replaces the one shown at once.
    if (m.from === "visitor" && m.seq && !m.attachment) {
      var pend = log.querySelectorAll(".msg.pending");
      for (var i = 0; i < pend.length; i++) {
        if (pend[i]._text === m.text) {
          var done = bubble(m);
          log.replaceChild(done, pend[i]);
          seen[m.seq] = done;
          lastSeq = Math.max(lastSeq, m.seq);
          return;
        }
      }
    }
    var row = bubble(m);
    if (m.seq) { seen[m.seq] = row; lastSeq = Math.max(lastSeq, m.seq); }
    log.appendChild(row);
    log.scrollTop = log.scrollHeight;
    if (panel.hidden && m.from !== "visitor") show(badge, true);
    if (m.from === "agent" || m.from === "bot") show(typingLine, false);
  }
  function send() {
    var text = input.value;
    if (!text.trim() || !sess || state === "ended") return;
    input.value = "";
    typing(false);
    var row = bubble({ from: "visitor", text: text });
    row.classList.add("pending");
    row._text = text;
    log.appendChild(row);
    log.scrollTop = log.scrollHeight;
    if (state === "bot") showTyping(t("typing…"));
    api("POST", "/chat/api/sessions/" + encodeURIComponent(sess.id) + "/messages", { text: text }).then(function (r) {
      clearError();
      row.classList.remove("pending");
      (r.messages || []).forEach(addMsg);
      if (state === "bot") show(typingLine, false);
    }, function (e) {
      show(typingLine, false);
      row.classList.add("failed");
      showError(e);
    });
  }
  function attach(file) {
    if (!file || !sess) return;
    if (file.size > 2 * 1024 * 1024) return showError(t("The image is too big (2 MB at most)."));
    api("POST", "/chat/api/sessions/" + encodeURIComponent(sess.id) + "/attachments", file, file.type || "application/octet-stream").then(function (r) {
      clearError();
      addMsg(r.message);
    }, showError);
  }

  // --- typing, both ways -------------------------------------------------
  // At most one typing event per 2 s; the latest wanted value is sent when
  // the window opens, so "stopped typing" is never lost.
  var typSent = false, typAt = 0, typWant = false, typTimer = null, idleTimer = null;
  function typing(on) {
    typWant = on;
    clearTimeout(idleTimer);
    if (on) idleTimer = setTimeout(function () { typing(false); }, 4000);
    flushTyping();
  }
  function flushTyping() {
    if (!sess || state === "ended" || typWant === typSent || typTimer) return;
    var wait = typAt + 2000 - Date.now();
    if (wait > 0) {
      typTimer = setTimeout(function () { typTimer = null; flushTyping(); }, wait);
      return;
    }
    typSent = typWant;
    typAt = Date.now();
    api("POST", "/chat/api/sessions/" + encodeURIComponent(sess.id) + "/typing", { typing: typSent }).catch(function () { /* best effort */ });
  }
  var showTimer = null;
  function showTyping(txt) {
    typingLine.textContent = txt;
    show(typingLine, true);
    clearTimeout(showTimer);
    showTimer = setTimeout(function () { show(typingLine, false); }, 15000); // a lost "false" must not stick
  }

  // --- WebSocket ---------------------------------------------------------
  function connect() {
    if (!sess || ws || state === "ended") return;
    var s = sess;
    var sock = new WebSocket(base.replace(/^http/, "ws") + "/chat/api/sessions/" + encodeURIComponent(s.id) + "/events");
    ws = sock;
    sock.onopen = function () {
      sock.send(JSON.stringify({ token: s.token }));
      if (wsTries > 0) catchUp();
      wsTries = 0;
      if (state === "bot" || state === "queued" || state === "agent") setState(state);
    };
    sock.onmessage = function (ev) {
      var e;
      try { e = JSON.parse(ev.data); } catch (x) { return; }
      if (e.type === "message") addMsg(e.message);
      else if (e.type === "typing") {
        if (e.typing) showTyping(e.from === "agent" && agentName ? t("{name} is typing…").replace("{name}", agentName) : t("typing…"));
        else show(typingLine, false);
      } else if (e.type === "state") setState(e.state, e.agent);
    };
    sock.onclose = function () {
      if (ws !== sock) return;
      ws = null;
      if (!sess || sess !== s || state === "ended") return;
      stateLine.textContent = t("Reconnecting…");
      var delay = Math.min(30000, 1000 * Math.pow(2, wsTries)) * (0.75 + Math.random() / 2);
      wsTries++;
      wsTimer = setTimeout(connect, delay);
    };
  }
  // After a reconnect, fetch what was posted while the socket was down.
  function catchUp() {
    if (!sess) return;
    api("GET", "/chat/api/sessions/" + encodeURIComponent(sess.id) + "/messages?after=" + lastSeq).then(function (r) {
      (r.messages || []).forEach(addMsg);
      setState(r.state, r.agent);
    }, function (e) {
      if (e.status === 401 || e.status === 404) { reset(); forget(); fresh(); }
    });
  }
  function disconnect() {
    clearTimeout(wsTimer);
    wsTries = 0;
    if (ws) { var w = ws; ws = null; w.close(); }
  }

  // --- events ------------------------------------------------------------
  function open() {
    show(panel, true);
    show(badge, false);
    launcher.setAttribute("aria-expanded", "true");
    if (!started) start();
    else if (sess && state !== "ended") input.focus();
  }
  function close() {
    show(panel, false);
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }
  launcher.addEventListener("click", function () { if (panel.hidden) open(); else close(); });
  closeBtn.addEventListener("click", close);
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") close(); });
  composer.addEventListener("submit", function (e) { e.preventDefault(); send(); });
  input.addEventListener("keydown", function (e) {
    // isComposing: Enter also confirms a Chinese IME candidate.
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); send(); }
  });
  input.addEventListener("input", function () { typing(input.value.length > 0); });
  attachBtn.addEventListener("click", function () { fileIn.click(); });
  fileIn.addEventListener("change", function () { attach(fileIn.files[0]); fileIn.value = ""; });
  endBtn.addEventListener("click", function () {
    if (!sess) return;
    api("POST", "/chat/api/sessions/" + encodeURIComponent(sess.id) + "/end").then(function () { setState("ended"); }, showError);
  });
  newBtn.addEventListener("click", function () { reset(); forget(); fresh(); });
  // Another tab started a new chat or ended this one's session: follow it.
  window.addEventListener("storage", function (e) {
    if (e.key !== storeKey || !started) return;
    var s = load();
    if (s && (!sess || s.id !== sess.id)) { reset(); restore(s); }
  });

  window.HotlineChat = {
    version: 1,
    open: open,
    close: close,
    identify: function (o) {
      o = o || {};
      if (o.user_id && o.signature) identity = { user_id: String(o.user_id), signature: String(o.signature) };
      if (o.name) prefill.name = String(o.name);
      if (o.email) prefill.email = String(o.email);
    }
  };
  function mount() {
    document.body.appendChild(host);
    // A stored thread reconnects at once, so an agent's reply shows the badge.
    if (load()) start();
  }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
