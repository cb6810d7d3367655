/* Lectern reader widget: a floating tutor for a published book.
 * <script src="https://lectern.example.com/widget.js" data-lectern defer></script>
 * Options (data- attributes): server, position (bottom-right|bottom-left),
 * theme (auto|light|dark), title, examples ("question one|question two"),
 * auth (bearer|cookie; by default bearer when the page and the server are different sites).
 * Security: the only HTML ever parsed is the server's sanitised `html` of an answer;
 * everything else (titles, snippets, questions, errors) goes in as text.
 *
 * Plain script, no build step and no dependencies. The server joins the files of web/widget/
 * once at start, in the order crates/lectern/src/web/mod.rs lists them, inside one function
 * with "use strict": they share one scope, as if they were one file.
 *
 * This part: the configuration from the script tag, and small helpers. */
if (window.Lectern) return;
const D = document;
const script = D.currentScript || D.querySelector("script[data-lectern]");
const cfg = (script && script.dataset) || {};
const scriptUrl = new URL((script && script.src) || location.href, location.href);
const SERVER = new URL(cfg.server || scriptUrl.origin, location.href).origin;
// The server replaces this placeholder with the stylesheet's content-hashed path.
const CSS_PATH = "__LECTERN_CSS_URL__";
const CSS_URL = new URL(CSS_PATH, script && script.src ? scriptUrl : SERVER).href;
const TITLE = cfg.title || "Ask the book";
// Example questions only fit one book, so the page supplies them (the demo site does).
const EXAMPLES = (cfg.examples || "").split("|").map((s) => s.trim()).filter(Boolean).slice(0, 4);
const OFFLINE = "You are offline. Your question was not sent.";
const KEY = "lectern:" + SERVER + ":";

/* ---------- small helpers ---------- */
let seq = 0;
const uid = (p) => "lt-" + p + "-" + ++seq;
const SVGNS = "http://www.w3.org/2000/svg";
const ICONS = {
  chat: "M7.9 20A9 9 0 1 0 4 16.1L2 22z",
  close: "M18 6 6 18M6 6l12 12",
  send: "M12 19V5M5 12l7-7 7 7",
  stop: "M7 7h10v10H7z",
  plus: "M12 5v14M5 12h14",
  history: "M3 12a9 9 0 1 0 3-6.7L3 8M3 3v5h5M12 7v5l3 2",
  out: "M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4M16 17l5-5-5-5M21 12H9",
  up: "M7 10v12M15 5.9 14 10h5.8a2 2 0 0 1 1.9 2.6l-2.3 8A2 2 0 0 1 17.5 22H4a2 2 0 0 1-2-2v-8a2 2 0 0 1 2-2h2.8a2 2 0 0 0 1.8-1.1L12 2a3.1 3.1 0 0 1 3 3.9z",
  down: "M17 14V2M9 18.1 10 14H4.2a2 2 0 0 1-1.9-2.6l2.3-8A2 2 0 0 1 6.5 2H20a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2h-2.8a2 2 0 0 0-1.8 1.1L12 22a3.1 3.1 0 0 1-3-3.9z",
  user: "M20 21a8 8 0 0 0-16 0M12 13a5 5 0 1 0 0-10 5 5 0 0 0 0 10z",
  book: "M4 19.5A2.5 2.5 0 0 1 6.5 17H20V2H6.5A2.5 2.5 0 0 0 4 4.5zM4 19.5A2.5 2.5 0 0 0 6.5 22H20v-5",
  user: "M20 21v-2a4 4 0 0 0-4-4H8a4 4 0 0 0-4 4v2M12 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8z",
};
function icon(name) {
  const s = D.createElementNS(SVGNS, "svg");
  s.setAttribute("viewBox", "0 0 24 24");
  s.setAttribute("aria-hidden", "true");
  s.setAttribute("focusable", "false");
  s.setAttribute("class", "i i-" + name);
  const p = D.createElementNS(SVGNS, "path");
  p.setAttribute("d", ICONS[name]);
  s.append(p);
  return s;
}
/** Builds an element; strings become text nodes, `on…` props become listeners. */
function h(tag, props, ...kids) {
  const el = D.createElement(tag);
  for (const k in props || {}) {
    const v = props[k];
    if (v == null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of kids.flat(3)) if (c != null && c !== false) el.append(c);
  return el;
}
/** Per Lectern server: `store` for this tab (the open chat), `kept` across tabs and reloads. */
function storage(area) {
  return {
    get(k) { try { return area().getItem(KEY + k); } catch { return null; } },
    set(k, v) { try { v == null ? area().removeItem(KEY + k) : area().setItem(KEY + k, v); } catch { /* storage off */ } },
  };
}
const store = storage(() => sessionStorage);
const kept = storage(() => localStorage);
function safeHref(url) {
  try {
    const u = new URL(url, location.href);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch { return null; }
}
const seconds = (n) => (n ? n + (n === 1 ? " second" : " seconds") : "a few seconds");
