#!/usr/bin/env node
// Compare two transcripts made by capture.mjs (e.g. the Better Auth peer vs lectern).
//
//   node compare.mjs A.json B.json [--strict-transport] [--allow known-differences.json]
//
// Exchanges are matched by position+label (the script is deterministic). For each one it
// compares: status, the ordered list of response headers after normalisation, and the
// normalised body (JSON compared with key ORDER significant). Exit code 1 on any
// difference that is not allow-listed, 0 otherwise.
//
// Normalisation done here on top of capture.mjs's own placeholders:
//  - transport headers are ignored unless --strict-transport: date, connection,
//    keep-alive, transfer-encoding, content-length (content-length of a JSON body is
//    implied by the body comparison; a chunked vs fixed-length answer is not a protocol
//    difference).
//  - header names are compared case-insensitively (HTTP semantics) but a casing
//    difference is still reported as a "note" (not a failure).
//  - header ORDER is not significant except among repeated set-cookie headers.
//  - x-retry-after values may differ by 1 (second rounding); reported as a note.
//
// Allow-list (default: known-differences.json next to this file): a JSON array of
//   { "label": "<exchange label or regex /.../>", "field": "status|header:<name>|body|*",
//     "reason": "why this deviation is deliberate" }
// A difference matching an entry is printed as ALLOWED and does not fail the run.
// An entry with field "body-key:<name>" instead blanks that JSON key everywhere in both
// bodies before they are compared, so one deliberate field difference (say ipAddress)
// does not hide every other difference in the same body.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const argv = process.argv.slice(2);
const files = argv.filter((a) => !a.startsWith("--") && !argv[argv.indexOf(a) - 1]?.startsWith("--allow"));
if (files.length !== 2) {
  console.error("usage: node compare.mjs A.json B.json [--strict-transport] [--allow file.json]");
  process.exit(2);
}
const strict = argv.includes("--strict-transport");
const here = path.dirname(fileURLToPath(import.meta.url));
const allowPath = argv.includes("--allow") ? argv[argv.indexOf("--allow") + 1] : path.join(here, "known-differences.json");
const allow = fs.existsSync(allowPath) ? JSON.parse(fs.readFileSync(allowPath, "utf8")) : [];
for (const a of allow) if (!a.reason) { console.error(`allow-list entry without reason: ${JSON.stringify(a)}`); process.exit(2); }

const A = JSON.parse(fs.readFileSync(files[0], "utf8"));
const B = JSON.parse(fs.readFileSync(files[1], "utf8"));
const TRANSPORT = new Set(["date", "connection", "keep-alive", "transfer-encoding", "content-length"]);

function allowed(label, field) {
  return allow.find((a) => {
    const lm = a.label === "*" || a.label === label || (a.label.startsWith("/") && a.label.endsWith("/") && new RegExp(a.label.slice(1, -1)).test(label));
    const fm = a.field === "*" || a.field === field || (a.field.endsWith("*") && field.startsWith(a.field.slice(0, -1)));
    return lm && fm;
  });
}
const stable = (v) => JSON.stringify(v) ?? "<none>"; // key order significant on purpose
const ignoredKeys = allow.filter((a) => a.field.startsWith("body-key:"));
function blankKeys(label, v) {
  const keys = ignoredKeys.filter((a) => allowed(label, a.field)).map((a) => a.field.slice(9));
  if (!keys.length) return v;
  const walk = (x) => Array.isArray(x) ? x.map(walk)
    : x && typeof x === "object" ? Object.fromEntries(Object.entries(x).map(([k, y]) => [k, keys.includes(k) ? "<ignored>" : walk(y)]))
    : x;
  return walk(v);
}
function headerView(hs) {
  const m = new Map();
  for (const [name, value] of hs || []) {
    const k = name.toLowerCase();
    if (!strict && TRANSPORT.has(k)) continue;
    if (!m.has(k)) m.set(k, { names: [], values: [] });
    m.get(k).names.push(name);
    m.get(k).values.push(stable(value));
  }
  return m;
}

let failures = 0, allowedCount = 0, notes = 0;
const out = [];
function diff(label, field, msg) {
  const a = allowed(label, field);
  if (a) { allowedCount++; out.push(`  ALLOWED ${field}: ${msg}  (reason: ${a.reason})`); }
  else { failures++; out.push(`  DIFF ${field}: ${msg}`); }
}
// capture.mjs numbers volatile values (#1, #2, …) across the whole run, so one extra id
// on one side would shift every number after it. Renumber within each exchange instead:
// equality inside an exchange (cookie token = body token) is still checked.
// Each header and the body are numbered apart, so an allowed extra header value (a JWT)
// cannot shift the numbers elsewhere.
function renumberValue(v) {
  if (v === undefined) return v;
  const seen = new Map();
  const text = JSON.stringify(v).replace(/#(\d+)>/g, (_, n) => {
    if (!seen.has(n)) seen.set(n, seen.size + 1);
    return `#${seen.get(n)}>`;
  });
  return JSON.parse(text);
}
function renumber(ex) {
  if (!ex) return ex;
  return { ...ex, headers: ex.headers?.map(renumberValue), body: renumberValue(ex.body) };
}
const n = Math.max(A.exchanges.length, B.exchanges.length);
for (let i = 0; i < n; i++) {
  const a = renumber(A.exchanges[i]), b = renumber(B.exchanges[i]);
  const label = (a || b).label;
  out.length = 0;
  if (!a || !b) { diff(label, "*", `exchange missing in ${a ? "B" : "A"}`); }
  else if (a.label !== b.label) { diff(label, "*", `label mismatch: ${a.label} vs ${b.label} (scripts differ?)`); }
  else if (a.note !== undefined || b.note !== undefined) {
    if (stable(a.note) !== stable(b.note)) diff(label, "note", `${stable(a.note)} vs ${stable(b.note)}`);
  } else {
    if ((a.error || null) !== (b.error || null)) diff(label, "status", `transport error ${a.error} vs ${b.error}`);
    if (a.status !== b.status) diff(label, "status", `${a.status} vs ${b.status}`);
    const ha = headerView(a.headers), hb = headerView(b.headers);
    for (const k of new Set([...ha.keys(), ...hb.keys()])) {
      const x = ha.get(k), y = hb.get(k);
      if (!x) { diff(label, `header:${k}`, `only in B: ${y.values.join(" | ")}`); continue; }
      if (!y) { diff(label, `header:${k}`, `only in A: ${x.values.join(" | ")}`); continue; }
      if (x.names.join() !== y.names.join()) { notes++; out.push(`  note header name casing: ${x.names[0]} vs ${y.names[0]}`); }
      if (k === "x-retry-after" && x.values.length === 1 && y.values.length === 1) {
        const d = Math.abs(Number(JSON.parse(x.values[0])) - Number(JSON.parse(y.values[0])));
        if (d === 1) { notes++; out.push(`  note x-retry-after off by one: ${x.values[0]} vs ${y.values[0]}`); continue; }
      }
      const xv = k === "set-cookie" ? x.values : [...x.values].sort();
      const yv = k === "set-cookie" ? y.values : [...y.values].sort();
      if (xv.join("\n") !== yv.join("\n")) diff(label, `header:${k}`, `\n      A: ${x.values.join("\n      A: ")}\n      B: ${y.values.join("\n      B: ")}`);
    }
    if (a.bodyKind !== b.bodyKind) diff(label, "body", `kind ${a.bodyKind} vs ${b.bodyKind}: ${stable(a.body).slice(0, 200)} vs ${stable(b.body).slice(0, 200)}`);
    else if (stable(blankKeys(label, a.body)) !== stable(blankKeys(label, b.body))) diff(label, "body", `\n      A: ${stable(a.body).slice(0, 600)}\n      B: ${stable(b.body).slice(0, 600)}`);
  }
  if (out.length) console.log(`#${i} ${label}\n${out.join("\n")}`);
}
console.log(`\n${n} exchanges compared: ${failures} difference(s), ${allowedCount} allowed, ${notes} note(s)`);
process.exit(failures ? 1 : 0);
