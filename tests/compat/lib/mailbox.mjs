// The mail a server sent, read back by the tests: Lectern's over real SMTP to aiosmtpd (a
// Maildir), the peer's as JSON lines its callbacks append to a file ({kind, to, url, token}).
//
//   "name=url|maildir:DIR,name=url|jsonl:FILE"  ->  mailTargets(VAR) -> [{name, base, box}]
//
// Each mail is { id, kind, to, url, token, subject? }. kind is the peer's callback: "verify"
// (sendVerificationEmail), "change" (sendChangeEmailConfirmation), "delete"
// (sendDeleteAccountVerification); Lectern's subjects map onto the same kinds (SUBJECTS).
// Mail goes out after the answer (Lectern queues it for a worker), so reads poll, bounded.
import fs from "node:fs";
import path from "node:path";
import { requireEnv } from "./env.mjs";

/** Lectern's subjects -> the peer's callback for the same mail. */
export const SUBJECTS = {
  "Confirm your email address": "verify",
  "Confirm your new email address": "verify", // Better Auth sends it with sendVerificationEmail
  "Confirm the change of your email address": "change",
  "Confirm deleting your reader account": "delete",
};

const LINK = /https?:\/\/[^\s<>"]+\/api\/auth\/(?:verify-email|delete-user\/callback)\?[^\s<>"]+/;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Quoted-printable undone (soft breaks, =XX), as bytes read as UTF-8. */
function unquote(text) {
  const bytes = [];
  const s = text.replace(/=\r?\n/g, "");
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "=" && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(s[i], "utf8"));
  }
  return Buffer.from(bytes).toString("utf8");
}

/** RFC 2047 encoded words (=?utf-8?b?…?= / ?q?) in a header, decoded. */
function decodeWords(value) {
  return value.replace(/=\?([^?]+)\?([bBqQ])\?([^?]*)\?=\s*/g, (_, _charset, enc, text) =>
    enc.toLowerCase() === "b" ? Buffer.from(text, "base64").toString("utf8") : unquote(text.replace(/_/g, " ")));
}

/** One RFC 5322 message: its headers (lower-case names, unfolded) and its decoded text body. */
export function parseMessage(raw) {
  const split = raw.search(/\r?\n\r?\n/);
  const head = split < 0 ? raw : raw.slice(0, split);
  const body = split < 0 ? "" : raw.slice(split).replace(/^\r?\n\r?\n/, "");
  const headers = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] ??= decodeWords(line.slice(colon + 1).trim());
  }
  const type = headers["content-type"] ?? "text/plain";
  const boundary = type.match(/boundary="?([^";]+)"?/i)?.[1];
  if (/^multipart\//i.test(type) && boundary) {
    // The text/plain part (of a multipart/alternative, possibly nested).
    const parts = body.split(`--${boundary}`).slice(1).filter((p) => !p.startsWith("--")).map((p) => parseMessage(p.replace(/^\r?\n/, "")));
    const plain = parts.find((p) => p.plain) ?? parts[0];
    return { headers, text: plain?.text ?? "", plain: Boolean(plain?.plain) };
  }
  const cte = (headers["content-transfer-encoding"] ?? "").toLowerCase();
  const text = cte === "base64" ? Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8")
    : cte === "quoted-printable" ? unquote(body) : body;
  return { headers, text, plain: /^text\/plain/i.test(type) };
}

/** The bare address of a To: header ("Name <a@b>" or "a@b"), lower-cased. */
const address = (to) => (to?.match(/<([^>]+)>/)?.[1] ?? to ?? "").trim().toLowerCase();

export class Mailbox {
  constructor(kind, where) {
    if (kind !== "maildir" && kind !== "jsonl") throw new Error(`unknown mailbox kind ${kind} (maildir or jsonl)`);
    this.kind = kind;
    this.where = where;
    this.parsed = new Map(); // maildir file -> mail (files never change once delivered)
  }

  /** Every mail so far. */
  all() {
    if (this.kind === "jsonl") {
      if (!fs.existsSync(this.where)) return [];
      return fs.readFileSync(this.where, "utf8").split("\n").filter(Boolean).map((line, i) => {
        const m = JSON.parse(line);
        return { id: `line ${i}`, kind: m.kind, to: m.to.toLowerCase(), url: m.url, token: m.token };
      });
    }
    const dir = path.join(this.where, "new");
    return fs.readdirSync(dir).map((f) => {
      if (!this.parsed.has(f)) {
        const { headers, text } = parseMessage(fs.readFileSync(path.join(dir, f), "utf8"));
        const url = text.match(LINK)?.[0];
        this.parsed.set(f, {
          id: f,
          kind: SUBJECTS[headers.subject] ?? `other: ${headers.subject}`,
          subject: headers.subject,
          to: address(headers.to),
          url,
          token: url ? new URL(url).searchParams.get("token") : undefined,
          text,
        });
      }
      return this.parsed.get(f);
    });
  }

  /** What has been delivered so far, to tell later mail from it. */
  mark() {
    return new Set(this.all().map((m) => m.id));
  }

  /** Mail delivered after `mark`, to `to` (and of `kind`, when given). */
  since(mark, { to, kind } = {}) {
    return this.all().filter((m) => !mark.has(m.id) && (!to || m.to === to.toLowerCase()) && (!kind || m.kind === kind));
  }

  /** The one mail to `to` of `kind` after `mark`, waiting for it (bounded). */
  async next(mark, { to, kind }, { timeoutMs = 10_000 } = {}) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.since(mark, { to, kind });
      if (found.length > 1) throw new Error(`${found.length} "${kind}" mails to ${to}, expected one: ${JSON.stringify(found.map((m) => m.url))}`);
      if (found.length === 1) return found[0];
      if (Date.now() > deadline) {
        const other = this.since(mark, { to });
        throw new Error(`no "${kind}" mail to ${to} after ${timeoutMs} ms${other.length ? ` (got: ${other.map((m) => m.kind).join(", ")})` : ""}`);
      }
      await sleep(50);
    }
  }

  /** Mail to `to` (of `kind`) after `mark`, once anything queued has had time to arrive. */
  async settled(mark, filter, { waitMs = 1500 } = {}) {
    await sleep(waitMs);
    return this.since(mark, filter);
  }
}

/** name=url|maildir:DIR or name=url|jsonl:FILE, comma-separated, from the environment. */
export function mailTargets(variable) {
  return requireEnv(variable, "name=url|maildir:DIR or name=url|jsonl:FILE, comma-separated")
    .split(",")
    .map((entry) => {
      const [name, rest] = entry.split(/=(.*)/s);
      const [base, mailbox] = rest.split("|");
      const [kind, where] = mailbox.split(/:(.*)/s);
      return { name: name.trim(), base: base.trim().replace(/\/$/, ""), box: new Mailbox(kind, where) };
    });
}
