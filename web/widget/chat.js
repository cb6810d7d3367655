/* The chat view: toolbar, history, composer, banners. */
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
