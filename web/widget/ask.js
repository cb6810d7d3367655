/* Asking: the streamed answer, Stop, and what is shown when it ends or fails. */
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
