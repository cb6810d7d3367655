/* Talking to Lectern: JSON requests with the session cookie, and Server-Sent Events over fetch. */
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
