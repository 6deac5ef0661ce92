// hotline dialplan editor: edit, validate (errors at their lines), diff
// against the live version, simulate a call, deploy, roll back.
"use strict";

const $ = (id) => document.getElementById(id);
const yaml = $("yaml"), gutter = $("gutter");
let marks = {}; // line → "bad" | "warn"

function token() { return sessionStorage.getItem("hotline-admin-token") || ""; }

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: { "Authorization": "Bearer " + token() },
    body,
  });
  const type = res.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await res.json() : await res.text();
  if (res.status === 401 || res.status === 403) throw new Error((data && data.error) || t("not authorised"));
  return { status: res.status, data };
}

function status(text, cls) {
  const s = $("status");
  s.textContent = text;
  s.className = cls || "muted";
}

function renderGutter() {
  const n = yaml.value.split("\n").length;
  let out = "";
  for (let i = 1; i <= n; i++) {
    const m = marks[i];
    out += m ? `<span class="${m}">${i}</span>\n` : i + "\n";
  }
  gutter.innerHTML = out;
  gutter.scrollTop = yaml.scrollTop;
}

function gotoLine(line, col) {
  const lines = yaml.value.split("\n");
  let pos = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i++) pos += lines[i].length + 1;
  pos += Math.max(0, (col || 1) - 1);
  yaml.focus();
  yaml.setSelectionRange(pos, pos);
  yaml.scrollTop = Math.max(0, (line - 5) * 20);
  renderGutter();
}

function showProblems(data) {
  const list = $("problems");
  list.innerHTML = "";
  marks = {};
  const add = (p, kind) => {
    const li = document.createElement("li");
    li.className = kind;
    const pos = document.createElement("span");
    pos.className = "pos";
    pos.textContent = p.line ? `${p.line}:${p.column}` : "";
    li.appendChild(pos);
    li.appendChild(document.createTextNode((p.node ? t("node \"{node}\": ", { node: p.node }) : "") + p.message));
    if (p.hint) {
      const h = document.createElement("span");
      h.className = "hint";
      h.textContent = p.hint;
      li.appendChild(h);
    }
    if (p.line) {
      marks[p.line] = kind === "error" ? "bad" : marks[p.line] || "warn";
      li.onclick = () => gotoLine(p.line, p.column);
    }
    list.appendChild(li);
  };
  (data.errors || []).forEach((p) => add(p, "error"));
  (data.warnings || []).forEach((p) => add(p, "warning"));
  if (!list.children.length) {
    const li = document.createElement("li");
    li.className = "ok";
    li.textContent = t("Valid: no errors, no warnings.");
    list.appendChild(li);
  }
  renderGutter();
}

async function loadLive() {
  const { status: code, data } = await api("GET", "/api/dialplan");
  if (code !== 200) throw new Error(data.error || t("cannot load"));
  yaml.value = data.yaml;
  $("live").textContent = t("live: version {n}", { n: data.version }) + (data.last_reload_error ? " · " + t("last reload failed") : "");
  marks = {};
  renderGutter();
  await loadVersions();
}

async function validate() {
  const { data } = await api("POST", "/api/dialplan/validate", yaml.value);
  showProblems(data);
  status(data.valid ? t("valid") : t("{n} error(s)", { n: hotlineI18n.number((data.errors || []).length) }), data.valid ? "" : "muted");
  return data.valid;
}

async function diff() {
  const { data } = await api("POST", "/api/dialplan/diff", yaml.value);
  const pre = $("diff");
  pre.innerHTML = "";
  if (!data) { pre.textContent = t("No changes against the live version."); return; }
  for (const line of data.split("\n")) {
    const span = document.createElement("span");
    span.className = line.startsWith("@@") || line.startsWith("---") || line.startsWith("+++") ? "hunk" : line.startsWith("+") ? "add" : line.startsWith("-") ? "del" : "";
    span.textContent = line + "\n";
    pre.appendChild(span);
  }
}

async function deploy() {
  if (!(await validate())) { status(t("fix the errors before deploying")); return; }
  await diff();
  if (!confirm(t("Deploy this dialplan? New calls get it at once; calls in progress keep their version."))) return;
  const { status: code, data } = await api("PUT", "/api/dialplan", yaml.value);
  if (code !== 200) { showProblems(data); status(t("deploy rejected")); return; }
  status(`deployed as version ${data.version}`);
  await loadLive();
}

async function loadVersions() {
  const { data } = await api("GET", "/api/dialplan/versions");
  const body = $("versions").querySelector("tbody");
  body.innerHTML = "";
  for (const v of data.slice().reverse()) {
    const tr = document.createElement("tr");
    if (v.live) tr.className = "live";
    const cells = [v.number, hotlineI18n.dateTime(v.at), v.who];
    for (const c of cells) {
      const td = document.createElement("td");
      td.textContent = c;
      tr.appendChild(td);
    }
    const td = document.createElement("td");
    if (!v.live) {
      const b = document.createElement("button");
      b.textContent = t("Roll back");
      b.onclick = async () => {
        if (!confirm(`Make version ${v.number} live again?`)) return;
        const { status: code, data } = await api("POST", `/api/dialplan/rollback/${v.number}`);
        status(code === 200 ? t("version {n} is live (copy of {from})", { n: data.version, from: v.number }) : t("rollback failed"));
        await loadLive();
      };
      td.appendChild(b);
    }
    tr.appendChild(td);
    body.appendChild(tr);
  }
}

async function simulate(ev) {
  ev.preventDefault();
  const f = new FormData(ev.target);
  const script = {
    to: f.get("to"), from: f.get("from"), at: f.get("at") || undefined,
    dtmf: (f.get("dtmf") || "").split(",").map((s) => s.trim()).filter(Boolean),
    say: (f.get("say") || "").split("|").map((s) => s.trim()).filter(Boolean),
  };
  const { status: code, data } = await api("POST", "/api/dialplan/simulate", JSON.stringify({ yaml: yaml.value, script }));
  const ol = $("trace");
  ol.innerHTML = "";
  if (code !== 200) {
    if (data && data.errors) showProblems(data);
    const li = document.createElement("li");
    li.textContent = (data && data.error) || t("simulation failed (see problems)");
    ol.appendChild(li);
    return;
  }
  const head = document.createElement("li");
  head.className = "say";
  head.textContent = data.route ? t("route {route} ({why}) → flow {flow}, {lang}", { route: data.route, why: data.route_why || "", flow: data.flow, lang: data.language }) : data.end;
  ol.appendChild(head);
  for (const s of data.steps || []) {
    const li = document.createElement("li");
    li.textContent = `${s.node} (${s.type})` + (s.edge ? ` → ${s.edge}` : "") + (s.target ? ` → ${s.target}` : "") + (s.why ? ` — ${s.why}` : "");
    for (const p of (s.prompts || [])) {
      const say = document.createElement("div");
      say.className = "say";
      say.textContent = "“" + p + "”";
      li.appendChild(say);
    }
    for (const e of (s.events || [])) {
      const ev = document.createElement("div");
      ev.className = "say";
      ev.textContent = e;
      li.appendChild(ev);
    }
    ol.appendChild(li);
  }
  if (data.route) {
    const end = document.createElement("li");
    end.className = "say";
    end.textContent = t("end: {end}", { end: data.end }) + (data.error ? " — " + data.error : "");
    ol.appendChild(end);
  }
}

yaml.addEventListener("input", renderGutter);
yaml.addEventListener("scroll", () => { gutter.scrollTop = yaml.scrollTop; });
yaml.addEventListener("keydown", (e) => {
  if (e.key === "Tab") { // indent with two spaces, as YAML wants
    e.preventDefault();
    const s = yaml.selectionStart;
    yaml.setRangeText("  ", s, yaml.selectionEnd, "end");
    renderGutter();
  }
});
const guard = (fn) => async (...a) => { try { await fn(...a); } catch (e) { status(e.message, "muted"); } };
$("btnLoad").onclick = guard(loadLive);
$("btnValidate").onclick = guard(validate);
$("btnDiff").onclick = guard(diff);
$("btnDeploy").onclick = guard(deploy);
$("simForm").onsubmit = guard(simulate);
$("tokenForm").onsubmit = guard(async (e) => {
  e.preventDefault();
  sessionStorage.setItem("hotline-admin-token", $("token").value);
  $("token").value = "";
  await loadLive();
});
if (token()) guard(loadLive)();
hotlineI18n.apply();
document.title = t("hotline · dialplan editor");
document.querySelector("header").append(hotlineI18n.switchElement());
renderGutter();
