/* Sign in, create an account, continue as a guest. */
const AUTH_ERRORS = {
  USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL: ["email", "An account with this email already exists. ", "Sign in instead?"],
  USER_ALREADY_EXISTS: ["email", "An account with this email already exists. ", "Sign in instead?"],
  INVALID_EMAIL_OR_PASSWORD: ["password", "Wrong email or password."],
  INVALID_PASSWORD: ["password", "Wrong email or password."],
  INVALID_EMAIL: ["email", "Enter a valid email address."],
  PASSWORD_TOO_SHORT: ["password", "Use at least 8 characters."],
  PASSWORD_TOO_LONG: ["password", "Use at most 128 characters."],
  EMAIL_NOT_VERIFIED: [null, "Confirm your email first: we just sent you a new link."],
};
/* What a provider's `?error=` means to a reader (Better Auth's callback codes). */
const SOCIAL_ERRORS = {
  account_not_linked: "An account with this email already exists here. Sign in with your password.",
  access_denied: "Signing in was cancelled.",
  email_not_found: "The provider did not share an email address, which a reader account needs.",
};
function socialError(code, provider) {
  return SOCIAL_ERRORS[code] || "Signing in with " + provider + " did not complete. Try again.";
}
/** The providers the server offers (`GET /api/auth/social-providers`), asked once per page. */
let providerList = null;
function providers() {
  providerList = providerList || api("/api/auth/social-providers").then((r) => (r && r.providers) || [], () => []);
  return providerList;
}
/** Leaves for the provider; it sends the reader back to this page (with `?ott=` across sites). */
async function social(p, btn, alert) {
  btn.disabled = true;
  alert.replaceChildren();
  const back = new URL(location.href);
  for (const k of ["ott", "error", "error_description"]) back.searchParams.delete(k);
  try {
    const body = { provider: p.id, callbackURL: back.href, errorCallbackURL: back.href, disableRedirect: true };
    if (BEARER) body.additionalData = { lecternOneTimeToken: true };
    const r = await post("/api/auth/sign-in/social", body);
    store.set("social", p.name);
    location.assign(r.url);
  } catch (err) {
    alert.textContent = authMessage(err);
    btn.disabled = false;
  }
}
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
  const socialBox = h("div", { class: "social", hidden: true });
  providers().then((list) => {
    socialBox.replaceChildren(
      ...list.map((p) => {
        const b = h("button", { type: "button", class: "btn wide", "data-provider": p.id }, "Continue with " + p.name);
        b.onclick = () => social(p, b, alert);
        return b;
      }),
      h("div", { class: "or" }, h("span", {}, "or with your email")),
    );
    socialBox.hidden = !list.length;
  });
  const formId = uid("form");
  const tabs = [["signin", "Sign in"], ["signup", "Create account"]].map(([m, label]) =>
    h("button", { type: "button", role: "tab", id: uid("tab"), class: "tab", "data-mode": m, "aria-controls": formId, onclick: () => select(m, true) }, label),
  );
  const forgot = h("button", { type: "button", class: "linkish small forgot", onclick: () => showForgot(email.input.value.trim()) }, "Forgot your password?");
  const form = h("form", { id: formId, role: "tabpanel", class: "form", novalidate: true, onsubmit: send }, name.wrap, email.wrap, password.wrap, forgot, alert, submit);
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
    forgot.hidden = up;
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
      // The page comes back in any link Lectern mails (verifying the address).
      const back = location.href.split("#")[0];
      const r = await post(up ? "/api/auth/sign-up/email" : "/api/auth/sign-in/email", up ? { ...v, callbackURL: back } : { email: v.email, password: v.password, callbackURL: back });
      // Verification required: no session until the mailed link is opened.
      if (up && r && r.token === null) return showAuth("signin", "Check your inbox: open the link we sent to " + v.email + " to confirm your address, then sign in.");
      await enter(r);
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
    notice ? h("p", { class: "notice", role: "status" }, notice) : null,
    heading,
    hint,
    socialBox,
    tablist,
    form,
    h("div", { class: "or" }, h("span", {}, "or")),
    guestBtn,
    guest ? null : h("p", { class: "muted small center-text" }, "Guests can chat right away; create an account later to keep the conversation."),
  );
  select(tab);
  setView(view);
}
/** Signed in or up (`r` is the answer): a fresh start in the chat, or the questionnaire. */
async function enter(r) {
  S.user = (r && r.user) || null;
  store.set("chat", null);
  S.chatId = null;
  await afterSignIn(false);
}
function authMessage(e) {
  if (e.status === 0) return "Lectern could not be reached. Check your connection and try again.";
  if (e.status === 429) return "Too many attempts. Try again in " + seconds(e.retry) + ".";
  if (e.status >= 500) return "Something went wrong on the server. Try again.";
  return e.message || "That did not work. Try again.";
}
