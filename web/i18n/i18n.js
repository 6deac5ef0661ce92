// hotline i18n: the one language helper of every page. The language follows ?lang=, then the
// choice saved under localStorage "hotline.lang" (shared by all pages), then the browser (zh for
// any zh-*). Catalogues are keyed by the English text; any script may add to them with
//   window.hotlineI18nZh = Object.assign(window.hotlineI18nZh || {}, {"English": "中文"});
// Load this script before the page's own scripts.
"use strict";
window.hotlineI18nZh = Object.assign(window.hotlineI18nZh || {}, {
  "Language": "语言",
});
// English overrides for keys that are codes rather than English text (e.g. "in_progress").
window.hotlineI18nEn = window.hotlineI18nEn || {};
const hotlineI18n = (() => {
  const KEY = "hotline.lang";
  const pick = () => {
    const q = new URLSearchParams(location.search).get("lang");
    if (q === "en" || q === "zh") { try { localStorage.setItem(KEY, q); } catch (e) { /* private mode */ } return q; }
    let saved = null;
    try { saved = localStorage.getItem(KEY); } catch (e) { /* private mode */ }
    if (saved === "en" || saved === "zh") return saved;
    const langs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || "en"];
    return String(langs[0] || "en").toLowerCase().startsWith("zh") ? "zh" : "en";
  };
  const lang = pick();
  const locale = lang === "zh" ? "zh-CN" : "en";
  // t translates an English text; unknown texts stay English. {name} placeholders are filled from vars.
  const t = (s, vars) => {
    let out = (lang === "zh" ? window.hotlineI18nZh[s] : window.hotlineI18nEn[s]) || s;
    if (vars) out = out.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
    return out;
  };
  // apply translates the marked elements under root (the whole page by default).
  const apply = (root) => {
    const r = root || document;
    if (!root) document.documentElement.lang = locale;
    r.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
    r.querySelectorAll("[data-i18n-placeholder]").forEach((el) => { el.placeholder = t(el.dataset.i18nPlaceholder); });
    r.querySelectorAll("[data-i18n-title]").forEach((el) => { el.title = t(el.dataset.i18nTitle); });
    r.querySelectorAll("[data-i18n-aria-label]").forEach((el) => { el.setAttribute("aria-label", t(el.dataset.i18nAriaLabel)); });
  };
  const set = (l) => { try { localStorage.setItem(KEY, l); } catch (e) { /* private mode */ } const u = new URL(location.href); u.searchParams.delete("lang"); location.replace(u.toString()); };
  // bindSwitch makes a <select> with options en/zh switch the language (the page reloads).
  const bindSwitch = (sel) => { if (!sel) return; sel.value = lang; sel.onchange = () => set(sel.value); };
  // switchElement builds a language switch for pages without one in their HTML.
  const switchElement = () => {
    const sel = document.createElement("select");
    sel.className = "lang-switch"; sel.id = "lang"; sel.setAttribute("aria-label", t("Language"));
    for (const [v, label] of [["en", "English"], ["zh", "中文"]]) { const o = document.createElement("option"); o.value = v; o.textContent = label; sel.append(o); }
    bindSwitch(sel);
    return sel;
  };
  const dateTime = (v) => (v ? new Date(v).toLocaleString(locale) : "—");
  const time = (v) => new Date(v === undefined ? Date.now() : v).toLocaleTimeString(locale);
  const date = (v) => (v ? new Date(v).toLocaleDateString(locale) : "—");
  const number = (n, opts) => (n === undefined || n === null || isNaN(n) ? "—" : new Intl.NumberFormat(locale, opts).format(n));
  const percent = (f) => number(f, { style: "percent", maximumFractionDigits: 0 });
  // duration shows milliseconds as m:ss or h:mm:ss (the same in both languages).
  const duration = (ms) => {
    if (ms === undefined || ms === null || isNaN(ms)) return "—";
    const s = Math.max(0, Math.round(ms / 1000));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return (h ? h + ":" + String(m).padStart(2, "0") : String(m)) + ":" + String(r).padStart(2, "0");
  };
  return { lang, locale, t, apply, set, bindSwitch, switchElement, dateTime, time, date, number, percent, duration };
})();
window.hotlineI18n = hotlineI18n;
const t = hotlineI18n.t;
