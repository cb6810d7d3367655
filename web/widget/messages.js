/* Messages: questions, answers (the server's sanitised HTML), citations, sources, feedback. */
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
  STORAGE_UNAVAILABLE: "the server could not save it, ask again in a moment",
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
  // The book does not seem to cover the question: shown as a notice, not as the book's answer,
  // and its sources as places to look rather than citations.
  el.classList.toggle("uncovered", !!m.unanswered);
  if (m.status === "interrupted") note(el, interrupted(m.error));
  else if (m.status === "streaming") note(el, "This answer is still being written. Reopen the conversation in a moment.");
  const src = sourcesEl(m.sources, m.unanswered ? "You might look at" : "Sources");
  if (src) el.append(src);
  const empty = !content.textContent.trim();
  if (empty) content.textContent = "…";
  if (m.id && m.status !== "streaming" && !(empty && m.status === "interrupted")) el.append(feedbackEl(m));
}
function sourcesEl(list, heading) {
  if (!list || !list.length) return null;
  const id = uid("src");
  return h(
    "div",
    { class: "sources" },
    h("h3", { class: "src-h", id }, heading || "Sources"),
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
  if (label && /^(UL|OL)$/.test(list.tagName) && /^\s*(sources|you might look at):?\s*$/i.test(label.textContent)) {
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
