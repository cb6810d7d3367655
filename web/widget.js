/* Lectern reader widget: a floating tutor for a published book.
 * Plain script, no build step and no dependencies: the server embeds this file as-is.
 * <script src="https://lectern.example.com/widget.js" data-lectern defer></script>
 * Options (data- attributes): server, position (bottom-right|bottom-left),
 * theme (auto|light|dark), title, examples ("question one|question two").
 * Security: the only HTML ever parsed is the server's sanitised `html` of an answer;
 * everything else (titles, snippets, questions, errors) goes in as text. */
(() => {
  "use strict";
  if (window.Lectern) return;
  const D = document;
  const script = D.currentScript || D.querySelector("script[data-lectern]");
  const cfg = (script && script.dataset) || {};
  const scriptUrl = new URL((script && script.src) || location.href, location.href);
  const SERVER = new URL(cfg.server || scriptUrl.origin, location.href).origin;
  // The server replaces this placeholder with the stylesheet's content-hashed path.
  const CSS_PATH = "__LECTERN_CSS_URL__";
  const CSS_URL = CSS_PATH.startsWith("__")
    ? new URL("widget.css", scriptUrl).href
    : new URL(CSS_PATH, script && script.src ? scriptUrl : SERVER).href;
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
  const store = {
    get(k) { try { return sessionStorage.getItem(KEY + k); } catch { return null; } },
    set(k, v) { try { v == null ? sessionStorage.removeItem(KEY + k) : sessionStorage.setItem(KEY + k, v); } catch { /* storage off */ } },
  };
  function safeHref(url) {
    try {
      const u = new URL(url, location.href);
      return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
    } catch { return null; }
  }
  const seconds = (n) => (n ? n + (n === 1 ? " second" : " seconds") : "a few seconds");

  /* ---------- talking to Lectern ---------- */
  class ApiError extends Error {
    constructor(status, body, res) {
      super((body && body.message) || "");
      this.status = status;
      this.code = (body && body.code) || "";
      this.fields = (body && body.fields) || null;
      const ra = res && (res.headers.get("x-retry-after") || res.headers.get("retry-after"));
      this.retry = ra && /^\d+$/.test(ra.trim()) ? Math.max(1, +ra) : 0;
    }
  }
  async function request(path, opts = {}) {
    const init = { method: opts.method || "GET", credentials: "include", headers: { accept: "application/json" }, signal: opts.signal };
    if (opts.body !== undefined) {
      init.headers["content-type"] = "application/json";
      init.body = JSON.stringify(opts.body);
    }
    if (opts.stream) init.headers.accept = "text/event-stream";
    let res;
    try {
      res = await fetch(SERVER + path, init);
    } catch (e) {
      if (e && e.name === "AbortError") throw e;
      throw new ApiError(0, { code: "NETWORK", message: OFFLINE });
    }
    if (!res.ok) {
      let body = null;
      try { body = await res.json(); } catch { /* 429 and 5xx may have no JSON */ }
      throw new ApiError(res.status, body, res);
    }
    return res;
  }
  async function api(path, opts) {
    const res = await request(path, opts);
    const text = await res.text();
    return text ? JSON.parse(text) : null;
  }
  const post = (path, body = {}) => api(path, { method: "POST", body });

  /** Server-Sent Events over a fetch body: events may be split across chunks, CRLF or LF. */
  async function readEvents(res, onEvent) {
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    let buf = "", type = "", data = [];
    const line = (l) => {
      if (l === "") {
        if (data.length) onEvent(type || "message", data.join("\n"));
        type = ""; data = [];
        return;
      }
      if (l[0] === ":") return;
      const i = l.indexOf(":");
      const field = i < 0 ? l : l.slice(0, i);
      let value = i < 0 ? "" : l.slice(i + 1);
      if (value[0] === " ") value = value.slice(1);
      if (field === "event") type = value;
      else if (field === "data") data.push(value);
    };
    for (;;) {
      const { value, done } = await reader.read();
      buf += done ? dec.decode() : dec.decode(value, { stream: true });
      let m;
      // A lone CR at the end may be the first half of a CRLF: wait for the next chunk.
      while ((m = /\r\n|\r|\n/.exec(buf)) && !(m[0] === "\r" && m.index === buf.length - 1 && !done)) {
        line(buf.slice(0, m.index));
        buf = buf.slice(m.index + m[0].length);
      }
      if (done) {
        if (buf) line(buf);
        line("");
        return;
      }
    }
  }

  /* ---------- the shell: host, launcher, dialog ---------- */
  const host = D.createElement("lectern-widget");
  const shadow = host.attachShadow({ mode: "open" });
  const wrap = h("div", { class: "root", hidden: true, "data-pos": cfg.position === "bottom-left" ? "left" : "right" });
  const link = h("link", { rel: "stylesheet", href: CSS_URL });
  link.addEventListener("load", () => (wrap.hidden = false));
  link.addEventListener("error", () => (wrap.hidden = false));
  const launcher = h(
    "button",
    { type: "button", class: "launcher", "aria-label": "Open the tutor", "aria-expanded": "false", "aria-controls": "lectern-panel", onclick: () => (S.open ? close(true) : open()) },
    icon("chat"),
    icon("close"),
  );
  const body = h("div", { class: "body" });
  const panel = h(
    "div",
    { class: "panel", id: "lectern-panel", role: "dialog", "aria-label": TITLE, hidden: true },
    h(
      "div",
      { class: "head" },
      h("span", { class: "logo" }, icon("book")),
      h("div", { class: "titles" }, h("h2", { class: "title" }, TITLE), h("p", { class: "sub" }, "Answers cite the book")),
      h("button", { type: "button", class: "icon-btn", "aria-label": "Close the tutor", onclick: () => close(true) }, icon("close")),
    ),
    body,
  );
  wrap.append(panel, launcher);
  shadow.append(link, wrap);
  shadow.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && S.open) {
      e.preventDefault();
      close(true);
    }
  });

  // Theme: follow the page (Docusaurus' html[data-theme], a .dark class, the OS) unless fixed.
  const mq = window.matchMedia ? matchMedia("(prefers-color-scheme: dark)") : null;
  function applyTheme() {
    let t = cfg.theme;
    if (t !== "light" && t !== "dark") {
      const el = D.documentElement;
      const a = el.getAttribute("data-theme");
      t = a === "dark" || a === "light" ? a : el.classList.contains("dark") ? "dark" : mq && mq.matches ? "dark" : "light";
    }
    wrap.setAttribute("data-theme", t);
  }
  applyTheme();
  if (cfg.theme !== "light" && cfg.theme !== "dark") {
    new MutationObserver(applyTheme).observe(D.documentElement, { attributes: true, attributeFilter: ["data-theme", "class"] });
    if (mq && mq.addEventListener) mq.addEventListener("change", applyTheme);
  }

  /* ---------- state and views ---------- */
  const S = { open: false, booted: false, user: null, profileComplete: false, chatId: null, stream: null, draft: "", schema: null };
  let C = null; // the chat view's parts while it is shown
  const isGuest = () => !!(S.user && S.user.isAnonymous);

  function leaveChat() {
    if (!C) return;
    S.draft = C.ta.value;
    if (S.stream) S.stream.abort();
    C = null;
  }
  function setView(node, focus = true) {
    if (C && C.view !== node) leaveChat();
    body.replaceChildren(node);
    if (focus && S.open) focusInside();
  }
  function focusInside() {
    const el = body.querySelector("[data-autofocus]") || body.querySelector("input,textarea,button");
    if (el) el.focus({ preventScroll: true });
  }
  function open() {
    if (S.open) return;
    S.open = true;
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    wrap.classList.add("is-open");
    if (!S.booted) {
      S.booted = true;
      boot();
    } else focusInside();
    if (C) scrollEnd(true);
  }
  function close(restoreFocus) {
    if (!S.open) return;
    S.open = false;
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    wrap.classList.remove("is-open");
    if (restoreFocus) launcher.focus();
  }

  function loadingView(text = "Loading…") {
    return h("div", { class: "center" }, h("span", { class: "spinner", "aria-hidden": "true" }), h("p", { class: "muted" }, text));
  }
  function failView(e) {
    const msg = e && e.status === 0 ? "Lectern could not be reached. Check your connection." : "Something went wrong on the server. Try again.";
    return h(
      "div",
      { class: "center" },
      h("p", { role: "alert" }, msg),
      h("button", { type: "button", class: "btn", "data-autofocus": true, onclick: boot }, "Try again"),
    );
  }

  async function boot() {
    setView(loadingView());
    try {
      const s = await api("/api/auth/get-session");
      if (!s || !s.user) return showAuth();
      S.user = s.user;
      await afterSignIn(false);
    } catch (e) {
      setView(failView(e));
    }
  }
  /** Decides between questionnaire and chat once someone is signed in. */
  async function afterSignIn(freshGuest) {
    let me;
    try {
      me = await api("/api/me");
    } catch (e) {
      if (e.status === 401) return showAuth();
      throw e;
    }
    S.user = me.user || S.user;
    S.profileComplete = !!me.profileComplete;
    if (!S.profileComplete && (!isGuest() || (freshGuest && !store.get("skip")))) return showProfile();
    return showChat();
  }

  /* ---------- sign in / create account ---------- */
  const AUTH_ERRORS = {
    USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL: ["email", "An account with this email already exists. ", "Sign in instead?"],
    USER_ALREADY_EXISTS: ["email", "An account with this email already exists. ", "Sign in instead?"],
    INVALID_EMAIL_OR_PASSWORD: ["password", "Wrong email or password."],
    INVALID_PASSWORD: ["password", "Wrong email or password."],
    INVALID_EMAIL: ["email", "Enter a valid email address."],
    PASSWORD_TOO_SHORT: ["password", "Use at least 8 characters."],
    PASSWORD_TOO_LONG: ["password", "Use at most 128 characters."],
    EMAIL_NOT_VERIFIED: [null, "Verify your email first: the link is in your inbox."],
  };
  function field(label, attrs) {
    const id = uid("f");
    const err = h("p", { class: "err", id: id + "-e", hidden: true });
    const input = h("input", Object.assign({ id, class: "input" }, attrs));
    const f = { input, err, wrap: h("div", { class: "field" }, h("label", { for: id }, label), input, err) };
    f.set = (...parts) => {
      err.replaceChildren(...parts);
      err.hidden = !parts.length;
      if (parts.length) {
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", err.id);
      } else {
        input.removeAttribute("aria-invalid");
        input.removeAttribute("aria-describedby");
      }
    };
    return f;
  }
  function showAuth(mode = "signin", notice = "") {
    let tab = mode;
    const guest = isGuest();
    const name = field("Name", { type: "text", name: "name", autocomplete: "name", required: true, maxlength: 200 });
    const email = field("Email", { type: "email", name: "email", autocomplete: "email", required: true, spellcheck: "false", autocapitalize: "off" });
    const password = field("Password", { type: "password", name: "password", required: true, maxlength: 128 });
    const fields = { name, email, password };
    const alert = h("div", { role: "alert", class: "alert" });
    const submit = h("button", { type: "submit", class: "btn primary wide" });
    const hint = h("p", { class: "muted small" });
    const heading = h("h3", { class: "h" });
    const formId = uid("form");
    const tabs = [["signin", "Sign in"], ["signup", "Create account"]].map(([m, label]) =>
      h("button", { type: "button", role: "tab", id: uid("tab"), class: "tab", "data-mode": m, "aria-controls": formId, onclick: () => select(m, true) }, label),
    );
    const form = h("form", { id: formId, role: "tabpanel", class: "form", novalidate: true, onsubmit: send }, name.wrap, email.wrap, password.wrap, alert, submit);
    const tablist = h("div", { role: "tablist", class: "tabs", "aria-label": "Account", onkeydown: tabKeys }, tabs);
    function select(m, focusTab) {
      tab = m;
      for (const t of tabs) {
        const on = t.dataset.mode === m;
        t.setAttribute("aria-selected", String(on));
        t.tabIndex = on ? 0 : -1;
        if (on) {
          form.setAttribute("aria-labelledby", t.id);
          if (focusTab) t.focus();
        }
      }
      const up = m === "signup";
      name.wrap.hidden = !up;
      name.input.disabled = !up;
      password.input.setAttribute("autocomplete", up ? "new-password" : "current-password");
      submit.textContent = up ? "Create account" : "Sign in";
      heading.textContent = up ? "Create your reader account" : "Sign in to your reader account";
      hint.textContent = up
        ? guest ? "Your guest conversations move to your new account." : "Use at least 8 characters for the password."
        : "Your conversations are saved to your account.";
      for (const f of Object.values(fields)) f.set();
      alert.replaceChildren();
      (up ? name.wrap : email.wrap).querySelector("input").setAttribute("data-autofocus", "");
      (up ? email.wrap : name.wrap).querySelector("input").removeAttribute("data-autofocus");
    }
    function tabKeys(e) {
      const i = tabs.indexOf(D.activeElement === host ? shadow.activeElement : null);
      const k = { ArrowRight: 1, ArrowLeft: -1, Home: -9, End: 9 }[e.key];
      if (i < 0 || !k) return;
      e.preventDefault();
      const j = k === -9 ? 0 : k === 9 ? tabs.length - 1 : (i + k + tabs.length) % tabs.length;
      select(tabs[j].dataset.mode, true);
    }
    async function send(e) {
      e.preventDefault();
      const up = tab === "signup";
      for (const f of Object.values(fields)) f.set();
      alert.replaceChildren();
      const v = { name: name.input.value.trim(), email: email.input.value.trim(), password: password.input.value };
      const missing = [];
      if (up && !v.name) missing.push([name, "Enter your name."]);
      if (!v.email) missing.push([email, "Enter your email."]);
      if (!v.password) missing.push([password, "Enter your password."]);
      if (missing.length) {
        for (const [f, msg] of missing) f.set(msg);
        missing[0][0].input.focus();
        return;
      }
      submit.disabled = true;
      form.setAttribute("aria-busy", "true");
      try {
        const r = await post(up ? "/api/auth/sign-up/email" : "/api/auth/sign-in/email", up ? v : { email: v.email, password: v.password });
        S.user = (r && r.user) || null;
        store.set("chat", null);
        S.chatId = null;
        await afterSignIn(false);
      } catch (err) {
        const known = AUTH_ERRORS[err.code];
        if (known && known[0]) {
          const f = fields[known[0]];
          const parts = [known[1]];
          if (known[2]) parts.push(h("button", { type: "button", class: "linkish", onclick: () => { select("signin"); email.input.focus(); } }, known[2]));
          f.set(...parts);
          if (err.code === "INVALID_EMAIL_OR_PASSWORD") email.input.setAttribute("aria-invalid", "true");
          f.input.focus();
        } else {
          alert.textContent = known ? known[1] : authMessage(err);
        }
      } finally {
        submit.disabled = false;
        form.removeAttribute("aria-busy");
      }
    }
    const guestBtn = guest
      ? h("button", { type: "button", class: "btn ghost wide", onclick: showChat }, "Back to the conversation")
      : h("button", { type: "button", class: "btn wide", onclick: asGuest }, "Continue as guest");
    async function asGuest() {
      guestBtn.disabled = true;
      alert.replaceChildren();
      try {
        const r = await post("/api/auth/sign-in/anonymous");
        S.user = (r && r.user) || { isAnonymous: true };
        await afterSignIn(true);
      } catch (err) {
        alert.textContent = authMessage(err);
      } finally {
        guestBtn.disabled = false;
      }
    }
    const view = h(
      "div",
      { class: "auth scroll" },
      notice ? h("p", { class: "notice" }, notice) : null,
      heading,
      hint,
      tablist,
      form,
      h("div", { class: "or" }, h("span", {}, "or")),
      guestBtn,
      guest ? null : h("p", { class: "muted small center-text" }, "Guests can chat right away; create an account later to keep the conversation."),
    );
    select(tab);
    setView(view);
  }
  function authMessage(e) {
    if (e.status === 0) return "Lectern could not be reached. Check your connection and try again.";
    if (e.status === 429) return "Too many attempts. Try again in " + seconds(e.retry) + ".";
    if (e.status >= 500) return "Something went wrong on the server. Try again.";
    return e.message || "That did not work. Try again.";
  }

  /* ---------- the background questionnaire ---------- */
  /** The questionnaire: after sign-up (the gate), or `editing` what the reader said before. */
  async function showProfile(editing = false) {
    setView(loadingView());
    let before = {};
    try {
      S.schema = S.schema || (await api("/api/user/profile/schema"));
      if (editing) before = ((await api("/api/user/profile").catch((e) => (e.status === 404 ? null : Promise.reject(e)))) || {}).answers || {};
    } catch (e) {
      return setView(failView(e));
    }
    const items = [];
    const byId = {};
    for (const q of S.schema.questions || []) {
      const err = h("p", { class: "err", id: uid("qe"), hidden: true });
      const hint = q.required ? null : h("p", { class: "hint", id: uid("qh") }, "Optional");
      const describe = () => [hint && hint.id, err.hidden ? null : err.id].filter(Boolean).join(" ") || null;
      let el, inputs, value;
      if (q.type === "text") {
        const id = uid("q");
        const input = h("input", { id, type: "text", class: "input", maxlength: q.maxLength || null, "data-q": q.id });
        inputs = [input];
        el = h("div", { class: "q" }, h("label", { for: id, class: "qlabel" }, q.label), hint, input, err);
        value = () => input.value.trim();
      } else {
        const multi = q.type === "multi";
        const group = "q-" + q.id + "-" + ++seq;
        inputs = (q.options || []).map((o) =>
          h("input", { type: multi ? "checkbox" : "radio", name: group, value: o.value, "data-q": q.id, "data-x": o.exclusive ? "1" : null }),
        );
        el = h(
          "fieldset",
          { class: "q" },
          h("legend", { class: "qlabel" }, q.label),
          hint,
          h("div", { class: "opts" }, (q.options || []).map((o, i) => h("label", { class: "opt" }, inputs[i], h("span", {}, o.label)))),
          err,
        );
        value = () => {
          const on = inputs.filter((i) => i.checked).map((i) => i.value);
          return multi ? on : on[0] || "";
        };
      }
      const item = { q, el, inputs, value, err, describe };
      item.setError = (msg) => {
        err.textContent = msg || "";
        err.hidden = !msg;
        const target = q.type === "text" ? inputs[0] : el;
        const d = describe();
        d ? target.setAttribute("aria-describedby", d) : target.removeAttribute("aria-describedby");
        if (q.type === "text") msg ? target.setAttribute("aria-invalid", "true") : target.removeAttribute("aria-invalid");
        el.classList.toggle("bad", !!msg);
      };
      item.setError("");
      items.push(item);
      byId[q.id] = item;
    }
    const shown = (item, depth = 0) => {
      const c = item.q.showIf;
      if (!c) return true;
      const parent = byId[c.question];
      if (!parent || depth > 20 || !shown(parent, depth + 1)) return false;
      const v = parent.value();
      return (Array.isArray(v) ? v : [v]).some((x) => (c.anyOf || []).includes(x));
    };
    const refresh = () => items.forEach((it) => (it.el.hidden = !shown(it)));
    const alert = h("div", { role: "alert", class: "alert" });
    const saveBtn = h("button", { type: "submit", class: "btn primary" }, editing ? "Save" : "Save and start");
    const form = h(
      "form",
      { class: "profile", "aria-label": "Your background", novalidate: true, onsubmit: save, onchange: changed, oninput: changed },
      h("h3", { class: "h" }, "Your background"),
      h("p", { class: "muted" }, editing
        ? "Change what you told the tutor; the next answers follow it."
        : "Tell the tutor what you know, so answers fit you. It takes a minute, and you can change it later."),
      items.map((i) => i.el),
      alert,
      h(
        "div",
        { class: "actions" },
        saveBtn,
        editing
          ? h("button", { type: "button", class: "btn ghost", onclick: () => showChat() }, "Cancel")
          : isGuest() ? h("button", { type: "button", class: "btn ghost", onclick: () => { store.set("skip", "1"); showChat(); } }, "Skip for now") : null,
      ),
    );
    function changed(e) {
      const t = e.target;
      if (t.type === "checkbox" && t.checked) {
        const it = byId[t.dataset.q];
        for (const i of it.inputs) if (i !== t && (t.dataset.x || i.dataset.x)) i.checked = false;
      }
      if (t.dataset && t.dataset.q && byId[t.dataset.q]) byId[t.dataset.q].setError("");
      refresh();
    }
    async function save(e) {
      e.preventDefault();
      alert.replaceChildren();
      const answers = {};
      for (const it of items) {
        it.setError("");
        if (it.el.hidden) continue;
        const v = it.value();
        if (Array.isArray(v) ? v.length : v) answers[it.q.id] = v;
      }
      saveBtn.disabled = true;
      try {
        await api("/api/user/profile", { method: "PUT", body: { answers } });
        S.profileComplete = true;
        store.set("skip", null);
        await showChat();
      } catch (err) {
        if (err.status === 401) return showAuth("signin", "Your session has ended. Sign in again.");
        const fields = err.fields || {};
        let first = null;
        for (const id in fields) {
          const it = byId[id];
          if (!it) continue;
          it.setError(fields[id].message || "Please answer this question");
          first = first || it;
        }
        alert.textContent = first ? "Some answers need another look." : authMessage(err);
        if (first) {
          first.el.scrollIntoView({ block: "center" });
          first.inputs[0].focus({ preventScroll: true });
        }
      } finally {
        saveBtn.disabled = false;
      }
    }
    for (const it of items) {
      const v = before[it.q.id];
      if (v == null) continue;
      if (it.q.type === "text") it.inputs[0].value = String(v);
      else for (const i of it.inputs) i.checked = Array.isArray(v) ? v.includes(i.value) : i.value === v;
    }
    refresh();
    if (items[0] && items[0].inputs[0]) items[0].inputs[0].setAttribute("data-autofocus", "");
    setView(h("div", { class: "scroll" }, form));
  }

  /* ---------- chat ---------- */
  function showChat() {
    leaveChat();
    const ta = h("textarea", {
      "aria-label": "Your question",
      rows: 1,
      maxlength: 4000,
      placeholder: "Ask a question about the book…",
      "data-autofocus": true,
      oninput: () => autosize(),
      onkeydown: (e) => {
        if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
          e.preventDefault();
          S.stream ? null : ask();
        }
      },
    });
    ta.value = S.draft || "";
    const sendBtn = h("button", { type: "submit", class: "send", "aria-label": "Send", title: "Send (Enter)" }, icon("send"), icon("stop"));
    const banner = h("div", { role: "status", class: "banner" });
    const log = h("div", { role: "log", "aria-live": "polite", "aria-label": "Conversation", class: "log" });
    const empty = h(
      "div",
      { class: "empty" },
      h("span", { class: "logo big" }, icon("chat")),
      h("p", { class: "empty-h" }, "Ask anything about the book"),
      h("p", { class: "muted" }, "Answers quote the book and link to the sections they come from."),
      h("div", { class: "examples" }, EXAMPLES.map((q) => h("button", { type: "button", class: "chip", onclick: () => ask(q) }, q))),
    );
    const older = h("button", { type: "button", class: "btn ghost small older", hidden: true, onclick: loadOlder }, "Show earlier messages");
    const histList = h("ul", { class: "hist-list" });
    const hist = h("div", { class: "hist", id: uid("hist"), hidden: true }, h("p", { class: "hist-h" }, "Past conversations"), histList);
    const histBtn = h("button", { type: "button", class: "tool", "aria-expanded": "false", "aria-controls": hist.id, onclick: () => toggleHistory() }, icon("history"), h("span", { class: "lbl" }, "History"));
    const scroller = h("div", { class: "scroller" }, older, empty, log);
    const view = h(
      "div",
      { class: "chat" },
      h(
        "div",
        { class: "toolbar" },
        h("button", { type: "button", class: "tool", title: "New conversation", onclick: newChat }, icon("plus"), h("span", { class: "lbl" }, "New conversation")),
        histBtn,
        h("span", { class: "grow" }),
        h("button", { type: "button", class: "tool", title: "Your background", onclick: () => showProfile(true) }, icon("user"), h("span", { class: "lbl sr" }, "Your background")),
        h("button", { type: "button", class: "tool", title: "Sign out", onclick: signOut }, icon("out"), h("span", { class: "lbl sr" }, "Sign out")),
      ),
      isGuest()
        ? h("div", { class: "guest" }, h("span", {}, "You are chatting as a guest."), h("button", { type: "button", class: "linkish", onclick: () => showAuth("signup") }, "Create an account"))
        : null,
      h("div", { class: "stage" }, scroller, hist),
      banner,
      h(
        "form",
        { class: "composer", onsubmit: (e) => { e.preventDefault(); S.stream ? stopAnswer() : ask(); } },
        h("div", { class: "box" }, ta, sendBtn),
        h("p", { class: "fine" }, "Answers quote the book. Check the cited sources."),
      ),
    );
    scroller.addEventListener("scroll", () => (C && (C.stick = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 48)));
    setView(view);
    C = { view, ta, sendBtn, banner, log, empty, older, hist, histList, histBtn, scroller, stick: true, cursor: null };
    autosize();
    updateEmpty();
    setStreaming(false);
    if (navigator.onLine === false) setBanner("You are offline.");
    return openInitial();
  }
  async function openInitial() {
    const want = S.chatId || store.get("chat");
    try {
      if (want) {
        try {
          return await loadChat(want);
        } catch (e) {
          if (e.status !== 404) throw e;
        }
      }
      const d = await api("/api/chats?limit=20");
      if (d && d.chats && d.chats.length) return await loadChat(d.chats[0].id);
      setChat(null);
    } catch (e) {
      handle(e);
    }
  }
  function autosize() {
    if (!C) return;
    C.ta.style.height = "auto";
    C.ta.style.height = Math.min(C.ta.scrollHeight, 160) + "px";
  }
  function setBanner(text) {
    if (C) {
      C.banner.textContent = text || "";
      C.banner.classList.toggle("on", !!text);
    }
  }
  function setStreaming(on) {
    if (!C) return;
    C.sendBtn.setAttribute("aria-label", on ? "Stop" : "Send");
    C.sendBtn.title = on ? "Stop the answer" : "Send (Enter)";
    C.sendBtn.classList.toggle("stop", on);
  }
  function setChat(id) {
    S.chatId = id;
    store.set("chat", id);
  }
  function updateEmpty() {
    if (C) C.empty.hidden = !!C.log.firstChild;
  }
  function scrollEnd(force) {
    if (C && (force || C.stick)) C.scroller.scrollTop = C.scroller.scrollHeight;
  }
  /** Central handling of API failures in the chat view. */
  function handle(e, sending) {
    if (!e || e.name === "AbortError") return;
    if (e.code === "PROFILE_REQUIRED") return showProfile();
    if (e.status === 401) {
      S.user = null;
      return showAuth("signin", "Your session has ended. Sign in again.");
    }
    setBanner(chatMessage(e, sending));
  }
  function chatMessage(e, sending) {
    if (e.status === 0) return sending ? OFFLINE : "You are offline. Check your connection.";
    if (e.status === 429) return "You are asking too quickly. Try again in " + seconds(e.retry) + ".";
    if (e.status >= 500) return "Something went wrong on the server. Try again.";
    if (e.code === "CHAT_NOT_FOUND") return "This conversation no longer exists. Start a new one.";
    return e.message || "Something went wrong. Try again.";
  }

  /** Stop: the server stops the model and keeps what it wrote; closing the stream alone
   * would not, since an answer outlives a closed tab on purpose. */
  function stopAnswer() {
    if (S.chatId) post("/api/chats/" + encodeURIComponent(S.chatId) + "/stop").catch(() => {});
    S.stream.abort();
  }
  function newChat() {
    if (S.stream) S.stream.abort();
    setChat(null);
    toggleHistory(false);
    C.log.replaceChildren();
    C.older.hidden = true;
    setBanner("");
    updateEmpty();
    C.ta.focus();
  }
  async function signOut() {
    if (S.stream) S.stream.abort();
    try {
      await post("/api/auth/sign-out");
    } catch (e) {
      if (e.status !== 401) return setBanner(chatMessage(e));
    }
    S.user = null;
    S.draft = "";
    setChat(null);
    store.set("skip", null);
    showAuth("signin");
  }
  async function toggleHistory(force) {
    if (!C) return;
    const on = force === undefined ? C.hist.hidden : force;
    C.hist.hidden = !on;
    C.histBtn.setAttribute("aria-expanded", String(on));
    if (!on) return;
    C.histList.replaceChildren(h("li", { class: "muted pad" }, "Loading…"));
    try {
      const d = await api("/api/chats?limit=20");
      const chats = (d && d.chats) || [];
      if (!C) return;
      C.histList.replaceChildren(
        ...(chats.length
          ? chats.map((c) =>
              h(
                "li",
                {},
                h(
                  "button",
                  { type: "button", class: "hist-item", "aria-label": c.title || "New chat", "aria-current": c.id === S.chatId ? "true" : null, onclick: () => pick(c.id) },
                  h("span", { class: "t" }, c.title || "New chat"),
                  h("span", { class: "d" }, when(c.updatedAt || c.createdAt)),
                ),
              ),
            )
          : [h("li", { class: "muted pad" }, "No conversations yet.")]),
      );
      const cur = C.histList.querySelector("button");
      if (cur && force === undefined) cur.focus();
    } catch (e) {
      C && C.histList.replaceChildren();
      handle(e);
    }
  }
  function when(iso) {
    const d = new Date(iso);
    if (isNaN(d)) return "";
    const today = new Date().toDateString() === d.toDateString();
    return today ? d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : d.toLocaleDateString([], { month: "short", day: "numeric" });
  }
  async function pick(id) {
    toggleHistory(false);
    try {
      await loadChat(id);
      C && C.ta.focus();
    } catch (e) {
      handle(e);
    }
  }
  async function loadChat(id) {
    if (S.stream) S.stream.abort();
    const d = await api("/api/chats/" + encodeURIComponent(id));
    if (!C) return;
    setChat(id);
    C.log.replaceChildren(...(d.messages || []).map(messageEl));
    // An answer still being written (the reader left mid-answer): look again shortly.
    const pending = (d.messages || []).some((m) => m.status === "streaming");
    clearTimeout(S.poll);
    if (pending && (S.polls = (S.polls || 0) + 1) <= 10) {
      const view = C.view;
      S.poll = setTimeout(() => C && C.view === view && S.chatId === id && !S.stream && loadChat(id).catch(() => {}), 2500);
    } else if (!pending) S.polls = 0;
    C.cursor = d.nextCursor || null;
    C.older.hidden = !C.cursor;
    setBanner("");
    updateEmpty();
    scrollEnd(true);
  }
  async function loadOlder() {
    if (!C || !C.cursor || !S.chatId) return;
    try {
      const d = await api("/api/chats/" + encodeURIComponent(S.chatId) + "?cursor=" + encodeURIComponent(C.cursor) + "&limit=50");
      const before = C.scroller.scrollHeight;
      C.log.prepend(...(d.messages || []).map(messageEl));
      C.cursor = d.nextCursor || null;
      C.older.hidden = !C.cursor;
      C.scroller.scrollTop += C.scroller.scrollHeight - before;
    } catch (e) {
      handle(e);
    }
  }

  /* ---------- messages ---------- */
  function userEl(text) {
    return h("div", { class: "msg user" }, h("span", { class: "sr" }, "You asked: "), h("div", { class: "bubble" }, text));
  }
  function messageEl(m) {
    if (m.role === "user") return userEl(m.content);
    const el = botEl();
    finishBot(el, m);
    return el;
  }
  function botEl() {
    return h("div", { class: "msg bot" }, h("span", { class: "sr" }, "The tutor answered: "), h("div", { class: "content" }));
  }
  function typing(el, on) {
    const t = el.querySelector(".typing");
    if (on && !t) el.append(h("div", { class: "typing" }, h("span", { class: "sr" }, "The tutor is thinking…"), h("i"), h("i"), h("i")));
    if (!on && t) t.remove();
  }
  const LLM_ERRORS = {
    LLM_UNAVAILABLE: "the model is unavailable",
    LLM_TIMEOUT: "the model took too long",
    LLM_RATE_LIMITED: "the model is busy, try again in a moment",
    LLM_STREAM_BROKEN: "the connection to the model broke",
    LLM_UNAUTHORIZED: "the server could not use the model",
    NETWORK: "the connection was lost",
  };
  function note(el, text) {
    el.querySelectorAll(".note").forEach((n) => n.remove());
    el.querySelector(".content").after(h("p", { class: "note" }, text));
  }
  function interrupted(code, message) {
    if (code === "STOPPED") return "You stopped this answer.";
    return "The tutor could not finish this answer (" + (LLM_ERRORS[code] || message || code || "unknown error") + ").";
  }
  /** Replaces a streamed answer with the stored one: server-sanitised HTML, sources, feedback. */
  function finishBot(el, m) {
    const content = el.querySelector(".content");
    content.classList.remove("plain");
    // `html` is rendered and sanitised by the server (ammonia); the only HTML this widget parses.
    content.innerHTML = m.html || "";
    if (m.sources && m.sources.length) dropSourceList(content);
    linkCitations(content, m.sources || []);
    el.querySelectorAll(".sources,.fbk,.note").forEach((n) => n.remove());
    if (m.status === "interrupted") note(el, interrupted(m.error));
    else if (m.status === "streaming") note(el, "This answer is still being written. Reopen the conversation in a moment.");
    const src = sourcesEl(m.sources);
    if (src) el.append(src);
    const empty = !content.textContent.trim();
    if (empty) content.textContent = "…";
    if (m.id && m.status !== "streaming" && !(empty && m.status === "interrupted")) el.append(feedbackEl(m));
  }
  function sourcesEl(list) {
    if (!list || !list.length) return null;
    const id = uid("src");
    return h(
      "div",
      { class: "sources" },
      h("h3", { class: "src-h", id }, "Sources"),
      h(
        "ol",
        { "aria-labelledby": id },
        list.map((s, i) => {
          const href = safeHref(s.url);
          const title = s.title || s.url || "Source " + (i + 1);
          return h(
            "li",
            {},
            h("span", { class: "n" }, String(i + 1)),
            h(
              "div",
              { class: "src-b" },
              href ? h("a", { href, target: "_blank", rel: "noopener" }, title) : h("span", { class: "src-t" }, title),
              s.snippet ? h("p", { class: "snip" }, s.snippet) : null,
            ),
          );
        }),
      ),
    );
  }
  /** The extractive answer ends with its own "Sources" list; the widget shows them itself. */
  function dropSourceList(root) {
    const list = root.lastElementChild;
    const label = list && list.previousElementSibling;
    if (label && /^(UL|OL)$/.test(list.tagName) && /^\s*sources:?\s*$/i.test(label.textContent)) {
      list.remove();
      label.remove();
    }
  }
  /** Turns [n] in the answer's text nodes into links to source n (no regex over HTML). */
  function linkCitations(root, sources) {
    if (!sources.length) return;
    const walker = D.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
      acceptNode: (n) => (n.parentElement.closest("a,code,pre") ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT),
    });
    const nodes = [];
    while (walker.nextNode()) nodes.push(walker.currentNode);
    for (const n of nodes) {
      const re = /\[(\d{1,3})\]/g;
      const t = n.data;
      let m, last = 0, frag = null;
      while ((m = re.exec(t))) {
        const s = sources[+m[1] - 1];
        const href = s && safeHref(s.url);
        if (!href) continue;
        frag = frag || D.createDocumentFragment();
        frag.append(
          t.slice(last, m.index),
          h("a", { class: "cite", href, target: "_blank", rel: "noopener", title: s.title || "", "aria-label": "Source " + m[1] }, m[1]),
        );
        last = re.lastIndex;
      }
      if (frag) {
        frag.append(t.slice(last));
        n.replaceWith(frag);
      }
    }
  }
  function feedbackEl(m) {
    let current = m.feedback && m.feedback.rating;
    const btns = {};
    const msg = h("span", { class: "fb-msg", "aria-live": "polite" });
    const set = (r) => {
      for (const k in btns) btns[k].setAttribute("aria-pressed", String(k === r));
    };
    async function rate(r) {
      if (!S.chatId) return;
      const before = current;
      set(r);
      current = r;
      try {
        await post("/api/chats/" + encodeURIComponent(S.chatId) + "/messages/" + encodeURIComponent(m.id) + "/feedback", { rating: r });
        msg.textContent = "Thanks for the feedback.";
      } catch (e) {
        current = before;
        set(before);
        handle(e);
      }
    }
    for (const [r, label, ic] of [["helpful", "Helpful", "up"], ["not_helpful", "Not helpful", "down"]])
      btns[r] = h("button", { type: "button", class: "fb", "aria-pressed": "false", onclick: () => rate(r) }, icon(ic), label);
    set(current);
    return h("div", { class: "fbk" }, h("span", { class: "fb-q" }, "Was this useful?"), btns.helpful, btns.not_helpful, msg);
  }

  /* ---------- asking ---------- */
  async function ask(preset) {
    if (!C || S.stream) return;
    const ta = C.ta;
    const text = (preset != null ? preset : ta.value).trim();
    if (!text) return ta.focus();
    setBanner("");
    if (navigator.onLine === false) return setBanner(OFFLINE);
    const mine = C;
    const ctl = new AbortController();
    S.stream = ctl;
    setStreaming(true);
    const typed = ta.value;
    if (preset == null) {
      ta.value = "";
      autosize();
    }
    const q = userEl(text);
    const a = botEl();
    const content = a.querySelector(".content");
    content.classList.add("plain");
    C.log.append(q, a);
    typing(a, true);
    updateEmpty();
    scrollEnd(true);
    let res;
    try {
      if (!S.chatId) {
        const chat = await post("/api/chats");
        setChat(chat.id);
      }
      res = await request("/api/chats/" + encodeURIComponent(S.chatId) + "/messages", { method: "POST", body: { content: text }, signal: ctl.signal, stream: true });
    } catch (e) {
      // Nothing was asked: put the question back where it was and say why.
      q.remove();
      a.remove();
      if (S.stream === ctl) S.stream = null;
      const back = preset == null ? typed : text;
      if (C !== mine) {
        S.draft = S.draft || back;
        return;
      }
      if (!ta.value) ta.value = back;
      autosize();
      setStreaming(false);
      updateEmpty();
      return handle(e, true);
    }
    const chatId = S.chatId;
    let text2 = "", sources = null, doneId = null, failure = null, stopped = false;
    const tokens = D.createTextNode("");
    content.append(tokens);
    try {
      await readEvents(res, (type, data) => {
        let v;
        try { v = JSON.parse(data); } catch { v = null; }
        if (type === "sources" && Array.isArray(v)) {
          sources = v;
          const src = sourcesEl(v);
          if (src) a.append(src);
        } else if (type === "token" && v && typeof v.text === "string") {
          if (!text2) typing(a, false);
          text2 += v.text;
          tokens.data = text2;
          scrollEnd();
        } else if (type === "done") {
          doneId = (v && v.messageId) || "";
        } else if (type === "error") {
          failure = v || { code: "" };
        }
      });
    } catch (e) {
      if (e && e.name === "AbortError") stopped = true;
      else failure = failure || { code: "NETWORK" };
    }
    typing(a, false);
    if (S.stream === ctl) S.stream = null;
    if (C === mine) setStreaming(false);
    if (stopped) {
      if (!text2) content.textContent = "…";
      note(a, "You stopped this answer.");
      return;
    }
    if (doneId == null && !failure) failure = { code: "NETWORK" };
    // Show the stored, rendered answer (with citations as links) in place of the streamed text.
    try {
      const d = await api("/api/chats/" + encodeURIComponent(chatId));
      const msgs = (d && d.messages) || [];
      const m = doneId ? msgs.find((x) => x.id === doneId) : msgs.filter((x) => x.role !== "user").pop();
      if (m && m.role !== "user") {
        finishBot(a, m);
        if (failure && m.status !== "interrupted") note(a, interrupted(failure.code, failure.message));
      } else throw 0;
    } catch {
      if (!content.textContent.trim()) content.textContent = "…";
      if (failure) note(a, interrupted(failure.code, failure.message));
      else if (doneId) a.append(feedbackEl({ id: doneId, feedback: null }));
    }
    if (C === mine) scrollEnd();
  }

  window.addEventListener("offline", () => C && setBanner("You are offline."));
  window.addEventListener("online", () => C && /offline/.test(C.banner.textContent) && setBanner(""));

  /* ---------- mount ---------- */
  const mount = () => D.body.append(host);
  D.body ? mount() : D.addEventListener("DOMContentLoaded", mount);
  window.Lectern = Object.freeze({
    open,
    close: () => close(D.activeElement === host),
    toggle: () => (S.open ? close(D.activeElement === host) : open()),
  });
})();
