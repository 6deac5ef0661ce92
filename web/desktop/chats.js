// hotline agent desktop: chats next to calls — offers to accept or decline, the agent's open
// chats as tabs, the thread with the visitor's typing, replies and end of chat, then the same
// wrap-up form as calls. Also the messages visitors left outside chat hours (tasks). Every text
// from a visitor is shown with textContent: it is never markup.
"use strict";
(function () {
  const chats = new Map(); // chat id → {id, pop, thread: [], unread, ended, typing}
  let active = null;
  let typingSent = 0, typingOn = false;

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  const speakerName = (from, c) => from === "agent" ? t("You") : from === "bot" ? t("Bot") : (c.pop.visitor || t("Visitor"));

  function onMessage(m) {
    const id = m.chat_id;
    switch (m.type) {
      case "chat_offer": {
        const c = chats.get(id) || { id, thread: [], unread: 0 };
        c.pop = m.chat || {};
        c.offered = true;
        if (!c.accepted) c.thread = (c.pop.thread || []).map((ev) => ({ from: ev.from, text: ev.text, attachment: ev.attachment }));
        chats.set(id, c);
        if (!c.accepted) { log(t("chat offered from {who}", { who: c.pop.visitor || c.pop.contact || t("a visitor") })); startRing(); }
        break;
      }
      case "chat_cancel":
        if (chats.has(id) && !chats.get(id).accepted) { chats.delete(id); stopRing(); log(t("chat offer withdrawn ({reason})", { reason: t(m.reason || "") })); }
        break;
      case "chat_accepted": {
        const c = chats.get(id); if (!c) return;
        if (!c.accepted) { c.accepted = true; stopRing(); }
        if (!active) active = id;
        break;
      }
      case "chat_event": {
        const c = chats.get(id); if (!c) return;
        const ev = m.event || {};
        if (ev.kind === "message") {
          c.thread.push({ from: ev.from, text: ev.text, attachment: ev.attachment });
          if (ev.from === "caller") c.typing = false;
          if (active !== id && ev.from !== "agent") c.unread++;
        } else if (ev.kind === "typing") {
          c.typing = ev.text !== "off";
        } else if (ev.kind === "ended") {
          c.thread.push({ from: "system", text: t("The visitor left the chat.") });
        }
        break;
      }
      case "chat_closed": {
        const c = chats.get(id); if (!c) return;
        c.ended = true; c.typing = false;
        log(t("chat ended ({cause})", { cause: t(m.cause || "") }));
        if (!app.wrapCall) { app.wrapCall = id; $("wrapup-notes").value = ""; show($("wrapup"), true); }
        break;
      }
    }
    render();
  }

  function wrapped(id) { if (chats.has(id)) { chats.delete(id); if (active === id) active = null; render(); } }

  function render() {
    const offers = $("chat-offers"); offers.replaceChildren();
    const tabs = $("chat-tabs"); tabs.replaceChildren();
    let open = 0;
    for (const c of chats.values()) {
      if (!c.accepted) { offers.append(offerCard(c)); continue; }
      open++;
      const b = el("button", c.id === active ? "active" : "", c.pop.visitor || c.pop.contact || t("Visitor"));
      b.setAttribute("role", "tab");
      b.dataset.chat = c.id;
      if (c.ended) b.append(el("span", "muted", " · " + t("ended")));
      if (c.unread) b.append(el("span", "unread", String(c.unread)));
      b.addEventListener("click", () => { active = c.id; c.unread = 0; render(); });
      tabs.append(b);
    }
    if (active && !chats.has(active)) active = null;
    if (!active) for (const c of chats.values()) if (c.accepted) { active = c.id; break; }
    $("chat-count").textContent = open ? String(open) : "";
    show($("chats-empty"), chats.size === 0);
    const c = active && chats.get(active);
    show($("chat-pane"), !!c);
    window.hotline.chats = [...chats.values()].map((x) => ({ id: x.id, accepted: !!x.accepted, ended: !!x.ended, messages: x.thread.length,
      intent: (x.pop && x.pop.handoff && x.pop.handoff.intent) || "" }));
    if (!c) return;
    c.unread = 0;
    $("chat-who").textContent = [c.pop.visitor, c.pop.contact].filter(Boolean).join(" · ") || t("Visitor");
    $("chat-brief").textContent = c.pop.customer ? c.pop.customer.text || "" : "";
    show($("chat-profile"), !!c.pop.customer);
    if (c.pop.customer) $("chat-profile").href = "/customers/" + encodeURIComponent(c.pop.customer.id);
    const ho = c.pop.handoff;
    show($("chat-summary"), !!(ho && ho.summary));
    if (ho && ho.summary) $("chat-summary").textContent = t("From the bot: {summary}", { summary: ho.summary });
    const list = $("chat-thread"); list.replaceChildren();
    for (const m of c.thread) {
      const li = el("li", "from-" + m.from);
      if (m.from !== "system") li.append(el("span", "who", speakerName(m.from, c)));
      li.append(document.createTextNode(m.text || ""));
      if (m.attachment && m.attachment.startsWith("/api/chats/")) {
        const img = el("img"); img.src = m.attachment; img.alt = t("picture from the visitor"); li.append(img);
      }
      list.append(li);
    }
    list.scrollTop = list.scrollHeight;
    $("chat-typing").textContent = c.typing ? t("{who} is typing…", { who: c.pop.visitor || t("Visitor") }) : "";
    for (const id of ["chat-input", "chat-send", "chat-end"]) $(id).disabled = !!c.ended;
    renderQuick(c);
  }

  // Quick replies: the approved scripts for the chat's intent (the bot's handoff), in the
  // visitor's language, with the customer's details filled in; a click puts one in the reply box.
  function renderQuick(c) {
    const box = $("chat-quick");
    const intent = c.pop.handoff && c.pop.handoff.intent;
    if (!c.accepted || c.ended || !intent) { show(box, false); return; }
    if (c.quick === undefined) {
      c.quick = null; // loading
      const q = new URLSearchParams({ intent, lang: c.pop.language || "" });
      if (c.pop.customer && c.pop.customer.id) q.set("customer", c.pop.customer.id);
      fetch("/api/replies/quick?" + q, { credentials: "same-origin" }).then((r) => r.ok ? r.json() : [])
        .then((list) => { c.quick = list || []; if (active === c.id) renderQuick(c); }, () => { c.quick = []; });
      return;
    }
    box.querySelectorAll("button").forEach((b) => b.remove());
    for (const q of c.quick || []) {
      const b = el("button", "quick", q.title || q.filled.slice(0, 40));
      b.type = "button"; b.title = q.filled;
      b.addEventListener("click", () => {
        const i = $("chat-input"); i.value = q.filled; i.focus();
        fetch("/api/replies/" + encodeURIComponent(q.id) + "/use", { method: "POST", credentials: "same-origin" }).catch(() => {});
      });
      box.append(b);
    }
    show(box, (c.quick || []).length > 0);
  }

  function offerCard(c) {
    const card = el("div", "chat-offer");
    card.dataset.chat = c.id;
    const who = c.pop.visitor || c.pop.contact || t("a visitor");
    card.append(el("strong", "", t("Chat from {who}", { who })));
    card.append(el("div", "muted", t("Queue · {name}", { name: c.pop.queue || "" }) + " · " + t("waited {time}", { time: fmt(c.pop.wait_ms || 0) })));
    if (c.pop.customer && c.pop.customer.text) card.append(el("div", "", c.pop.customer.text));
    if (c.pop.handoff && c.pop.handoff.summary) card.append(el("p", "summary", c.pop.handoff.summary));
    const acts = el("div", "actions");
    const ok = el("button", "primary chat-accept", t("Accept chat"));
    ok.addEventListener("click", () => send({ type: "chat_accept", chat_id: c.id }));
    const no = el("button", "chat-reject", t("Decline"));
    no.addEventListener("click", () => send({ type: "chat_reject", chat_id: c.id }));
    acts.append(ok, no);
    card.append(acts);
    return card;
  }

  function sendReply() {
    const c = active && chats.get(active);
    const text = $("chat-input").value.trim();
    if (!c || c.ended || !text) return;
    send({ type: "chat_send", chat_id: c.id, text });
    c.thread.push({ from: "agent", text });
    $("chat-input").value = "";
    if (typingOn) { send({ type: "chat_typing", chat_id: c.id, on: false }); typingOn = false; }
    render();
  }

  async function loadTasks() {
    if (!app.me) return;
    try {
      const r = await fetch("/api/tasks");
      if (!r.ok) return;
      const list = await r.json();
      const ol = $("task-list"); ol.replaceChildren();
      for (const tk of list) {
        const li = el("li");
        li.append(el("strong", "", [tk.name, tk.phone, tk.email].filter(Boolean).join(" · ") + ": "));
        li.append(document.createTextNode(tk.text));
        li.append(el("span", "muted", " " + hotlineI18n.dateTime(tk.created)));
        const done = el("button", "", t("Done"));
        done.addEventListener("click", async () => { await fetch("/api/tasks/" + encodeURIComponent(tk.id) + "/done", { method: "POST" }); loadTasks(); });
        li.append(done);
        ol.append(li);
      }
      $("task-count").textContent = list.length ? String(list.length) : "";
      if (!list.length) ol.append(el("li", "muted", t("No messages waiting.")));
    } catch (e) { /* the next poll tries again */ }
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("chat-form").addEventListener("submit", (e) => { e.preventDefault(); sendReply(); });
    $("chat-input").addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); sendReply(); }
    });
    $("chat-input").addEventListener("input", () => {
      const c = active && chats.get(active);
      if (!c || c.ended) return;
      const now = Date.now();
      if (!typingOn || now - typingSent > 2000) { send({ type: "chat_typing", chat_id: c.id, on: true }); typingOn = true; typingSent = now; }
    });
    $("chat-end").addEventListener("click", () => { const c = active && chats.get(active); if (c && !c.ended) send({ type: "chat_end", chat_id: c.id }); });
    setTimeout(loadTasks, 1000);
    setInterval(loadTasks, 15000);
    render();
  });
  window.hotlineChats = { onMessage, wrapped };
})();
