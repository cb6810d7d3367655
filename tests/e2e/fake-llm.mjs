#!/usr/bin/env node
// A stand-in for an OpenAI-compatible model, for the "hostile" Lectern of the browser tests.
//
//   node fake-llm.mjs PORT [API_KEY]
//
// Speaks the real streaming chat-completions wire protocol: `POST /v1/chat/completions` with
// `"stream": true` is answered `text/event-stream`, one `data: {chat.completion.chunk}` event
// per piece of the answer (the first carrying `delta.role`), a final chunk with
// `finish_reason: "stop"`, then `data: [DONE]`. The answer is Markdown a tutor could plausibly
// write, salted with everything an attacker would try to get into the reader's page (script,
// event handlers, javascript: links, an iframe) and split across chunks in the middle of tags,
// so neither the server's renderer nor the widget can rely on receiving a tag whole.
// With API_KEY, requests without `Authorization: Bearer API_KEY` get OpenAI's 401 body.
// A question containing "e2e-slow" is streamed at 50 ms a piece (for the Stop button).
// `GET /requests` answers the request bodies received so far (for debugging a failed run).
import http from "node:http";

const port = Number(process.argv[2]);
const apiKey = process.argv[3] || "";
if (!Number.isInteger(port) || port <= 0) {
  console.error("usage: node fake-llm.mjs PORT [API_KEY]");
  process.exit(2);
}

// Each marker the tests look for is unique, so a partial rendering is visible as such.
const ANSWER = [
  "Sea stars pull a mussel's shell apart with their tube feet and digest it in place [1].",
  "",
  "<script>window.__pwned=1</script>",
  "",
  '<img src=x onerror="window.__pwned=2">',
  "",
  "Read more: [click](javascript:window.__pwned=3) and [also this](JaVaScRiPt:window.__pwned=6).",
  "",
  '<iframe src="javascript:parent.__pwned=4" srcdoc="<script>parent.__pwned=7</script>"></iframe>',
  "",
  '<a href="#" onclick="window.__pwned=5">tap here</a>',
  "",
  '<svg><animate onbegin="window.__pwned=8" attributeName="x" dur="1s"/></svg>',
  "",
  "| Part | Job |",
  "| --- | --- |",
  "| Tube feet | Grip the shell |",
  "| Stomach | Digest the mussel |",
  "",
  "```python",
  'print("code-block-ok")',
  "```",
  "",
  "That is all **for now**.",
].join("\n");

// Cut into pieces of 7 characters: tags, links and table rows straddle chunk boundaries.
function pieces(text, size = 7) {
  const out = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

const received = [];
let sequence = 0;

function chunk(id, created, model, delta, finishReason = null) {
  return {
    id,
    object: "chat.completion.chunk",
    created,
    model,
    system_fingerprint: "fp_lectern_e2e",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  };
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const parts = [];
    req.on("data", (d) => parts.push(d));
    req.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    req.on("error", reject);
  });
}

function openAiError(res, status, message, type, code) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ error: { message, type, param: null, code } }));
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, "http://fake-llm");
  if (req.method === "GET" && url.pathname === "/requests") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(received));
    return;
  }
  if (req.method !== "POST" || url.pathname !== "/v1/chat/completions") {
    openAiError(res, 404, `Unknown request URL: ${req.method} ${url.pathname}`, "invalid_request_error", "unknown_url");
    return;
  }
  if (apiKey && req.headers.authorization !== `Bearer ${apiKey}`) {
    openAiError(res, 401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key");
    return;
  }
  let body;
  try {
    body = JSON.parse(await readBody(req));
  } catch {
    openAiError(res, 400, "We could not parse the JSON body of your request.", "invalid_request_error", null);
    return;
  }
  received.push(body);
  if (body.stream !== true) {
    openAiError(res, 400, "this fake only streams: send \"stream\": true", "invalid_request_error", null);
    return;
  }
  const id = `chatcmpl-e2e${++sequence}`;
  const created = Math.floor(Date.now() / 1000);
  const model = body.model || "fake";
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
  });
  const send = (obj) => res.write(`data: ${JSON.stringify(obj)}\n\n`);
  // A question containing "e2e-slow" is answered at a model's pace (a piece per 50 ms), so
  // a test can see the answer streaming and stop it; the stream ends if Lectern hangs up.
  const question = [...(body.messages || [])].reverse().find((m) => m.role === "user")?.content ?? "";
  const slow = /e2e-slow/.test(typeof question === "string" ? question : JSON.stringify(question));
  let closed = false;
  res.on("close", () => (closed = true));
  send(chunk(id, created, model, { role: "assistant", content: "" }));
  for (const piece of pieces(ANSWER)) {
    if (closed) return;
    send(chunk(id, created, model, { content: piece }));
    if (slow) await new Promise((r) => setTimeout(r, 50));
  }
  send(chunk(id, created, model, {}, "stop"));
  res.end("data: [DONE]\n\n");
});

server.listen(port, "127.0.0.1", () => {
  console.log(`fake-llm: listening on http://127.0.0.1:${port}/v1 (model answers are hostile on purpose)`);
});
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => server.close(() => process.exit(0)));
