/* The background questionnaire, from the server's schema. */
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
    h("p", { class: "muted" }, "Your questions help the author improve the book; they see them without your name or email."),
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
