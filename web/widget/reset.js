/* A forgotten password: ask for a link by mail, then choose a new password on the page the
   link leads back to (this page, with ?token=… and #lectern-reset). */
const RESET_MARK = "lectern-reset";
/** What the mail's link brought back to this page, if it did: { token } or { error }. */
const RESET = (() => {
  if (location.hash !== "#" + RESET_MARK) return null;
  const q = new URLSearchParams(location.search);
  return q.get("token") ? { token: q.get("token") } : { error: q.get("error") || "INVALID_TOKEN" };
})();
/** This page as the link should lead back to it: without an earlier token or error. */
function resetLanding() {
  const u = new URL(location.href);
  u.searchParams.delete("token");
  u.searchParams.delete("error");
  u.hash = RESET_MARK;
  return u.href;
}
/** Takes the token out of the address bar (and so out of the history and of shared links). */
function forgetResetLink() {
  const u = new URL(location.href);
  u.searchParams.delete("token");
  u.searchParams.delete("error");
  u.hash = "";
  history.replaceState(history.state, "", u.href);
}
function resetView(title, hint, ...rest) {
  return h("div", { class: "auth scroll" }, h("h3", { class: "h" }, title), h("p", { class: "muted small reset-hint" }, hint), ...rest);
}
function backToSignIn(notice) {
  return h("button", { type: "button", class: "btn ghost wide", onclick: () => showAuth("signin", notice) }, "Back to sign in");
}
function showForgot(prefill = "", notice = "") {
  const email = field("Email", { type: "email", name: "email", autocomplete: "email", required: true, spellcheck: "false", autocapitalize: "off", "data-autofocus": "" });
  email.input.value = prefill;
  const alert = h("div", { role: "alert", class: "alert" });
  const submit = h("button", { type: "submit", class: "btn primary wide" }, "Send the link");
  const form = h("form", { class: "form", novalidate: true, "aria-label": "Reset your password", onsubmit: send }, email.wrap, alert, submit);
  async function send(e) {
    e.preventDefault();
    email.set();
    alert.replaceChildren();
    const address = email.input.value.trim();
    if (!address) return email.set("Enter your email."), email.input.focus();
    submit.disabled = true;
    try {
      await post("/api/auth/request-password-reset", { email: address, redirectTo: resetLanding() });
      // So that the link, opened in this browser, can sign the reader in with the new password.
      kept.set("reset-email", address);
      form.replaceWith(h("p", { role: "status", class: "notice" }, "If an account uses " + address + ", a link to choose a new password is on its way. It works for an hour."));
    } catch (err) {
      if (err.code === "VALIDATION_ERROR" || err.code === "INVALID_EMAIL") email.set("Enter a valid email address."), email.input.focus();
      else if (err.code === "RESET_PASSWORD_DISABLED") alert.textContent = "This site cannot send mail, so the password cannot be reset here.";
      else alert.textContent = authMessage(err);
    } finally {
      submit.disabled = false;
    }
  }
  setView(resetView("Reset your password", "We will mail you a link to choose a new password.", notice ? h("p", { class: "notice" }, notice) : null, form, backToSignIn()));
}
function showNewPassword(token) {
  const password = field("New password", { type: "password", name: "password", autocomplete: "new-password", required: true, maxlength: 128, "data-autofocus": "" });
  const alert = h("div", { role: "alert", class: "alert" });
  const submit = h("button", { type: "submit", class: "btn primary wide" }, "Save the new password");
  const form = h("form", { class: "form", novalidate: true, "aria-label": "Choose a new password", onsubmit: send }, password.wrap, alert, submit);
  async function send(e) {
    e.preventDefault();
    password.set();
    alert.replaceChildren();
    const value = password.input.value;
    if (value.length < 8) return password.set("Use at least 8 characters."), password.input.focus();
    submit.disabled = true;
    try {
      await post("/api/auth/reset-password", { newPassword: value, token });
      forgetResetLink();
      const email = kept.get("reset-email");
      kept.set("reset-email", null);
      if (email) {
        try {
          return await enter(await post("/api/auth/sign-in/email", { email, password: value }));
        } catch { /* another reader's address in this browser: they sign in themselves */ }
      }
      showAuth("signin", "Your password is changed. Sign in with the new one.");
    } catch (err) {
      const known = AUTH_ERRORS[err.code];
      if (err.code === "INVALID_TOKEN") {
        forgetResetLink();
        showForgot("", "This link has expired or was already used. Ask for a new one.");
      } else if (known && known[0] === "password") password.set(known[1]), password.input.focus();
      else alert.textContent = authMessage(err);
    } finally {
      submit.disabled = false;
    }
  }
  setView(resetView("Choose a new password", "Use at least 8 characters. Then sign in with it.", form));
}
/** The view the mail's link asks for, when the panel first opens on its way back. */
function showResetLink() {
  if (RESET.token) return showNewPassword(RESET.token);
  forgetResetLink();
  showForgot("", "This link has expired or was already used. Ask for a new one.");
}
