/* The shell (host element, shadow root, launcher, dialog, theme), then the state and views. */
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

/** A one-time token a link brought back (`?ott=`, Better Auth's one-time-token plugin, as a
 * sign-in that left the page returns): traded once for the session, then taken out of the
 * address bar. A spent or expired one leaves the reader to sign in. */
const OTT = new URLSearchParams(location.search).get("ott");
async function redeemOtt() {
  const u = new URL(location.href);
  u.searchParams.delete("ott");
  history.replaceState(history.state, "", u.href);
  try {
    await post("/api/auth/one-time-token/verify", { token: OTT });
  } catch { /* shown as signed out */ }
}
/** Back from a provider's sign-in page: the provider's name, kept while the reader was away. */
const BACK = store.get("social");
async function boot() {
  if (RESET) return showResetLink();
  if (BACK) {
    store.set("social", null);
    const u = new URL(location.href);
    const code = u.searchParams.get("error");
    if (code) {
      for (const k of ["error", "error_description"]) u.searchParams.delete(k);
      history.replaceState(history.state, "", u.href);
      return showAuth("signin", socialError(code, BACK));
    }
  }
  if (OTT) await redeemOtt();
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
