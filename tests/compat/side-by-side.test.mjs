// The same scripted raw-HTTP session (capture.mjs) against the Better Auth peer and
// against Lectern, diffed by compare.mjs, which honours known-differences.json. Any
// deviation not listed there with a reason fails the run.
//
//   SBS_PEER_URL=… SBS_LECTERN_URL=… COMPAT_ARTIFACTS=dir node --test side-by-side.test.mjs
//
// Both servers run on PostgreSQL with rate limiting off (capture's default script).
// Transcripts and the compare report stay in COMPAT_ARTIFACTS for CI to upload.
import { it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { requireEnv } from "./lib/env.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PEER = requireEnv("SBS_PEER_URL");
const LECTERN = requireEnv("SBS_LECTERN_URL");
const PEER_RL = requireEnv("SBS_PEER_RL_URL", "the peer with PEER_RATE_LIMIT=1");
const LECTERN_RL = requireEnv("SBS_LECTERN_RL_URL", "Lectern with LECTERN_RATE_LIMIT=on");
const OUT = requireEnv("COMPAT_ARTIFACTS", "directory for transcripts and the compare report");

/** Runs `node <script> ...args` in this directory, stdout to outFile; bounded. */
function node(args, outFile, timeoutMs = 120_000) {
  return new Promise((resolve, reject) => {
    const out = fs.openSync(outFile, "w");
    const child = spawn(process.execPath, args, { cwd: HERE, stdio: ["ignore", out, "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      fs.closeSync(out);
      resolve({ code, signal, stderr, stdout: fs.readFileSync(outFile, "utf8") });
    });
  });
}

it("Lectern answers capture.mjs's script like Better Auth (modulo known-differences.json)", () =>
  sideBySide(PEER, LECTERN, [], "side-by-side"));

it("and its rate limiter answers like Better Auth's", () =>
  sideBySide(PEER_RL, LECTERN_RL, ["--rate-limited"], "side-by-side-ratelimited"));

async function sideBySide(peer, lectern, flags, name) {
  fs.mkdirSync(OUT, { recursive: true });
  const peerFile = path.join(OUT, `${name}-peer.json`);
  const lecternFile = path.join(OUT, `${name}-lectern.json`);
  const reportFile = path.join(OUT, `${name}-compare.txt`);

  // The two servers are independent, so capture both at once.
  const captures = await Promise.all([[peer, peerFile], [lectern, lecternFile]].map(async ([url, file]) => {
    const r = await node(["capture.mjs", url, ...flags], file);
    assert.equal(r.code, 0, `capture.mjs ${url} exited ${r.code ?? r.signal}: ${r.stderr.slice(-2000)}`);
    const transcript = JSON.parse(r.stdout);
    assert.ok(transcript.exchanges?.length > 0, `capture.mjs ${url} recorded no exchanges`);
    return transcript;
  }));
  assert.equal(captures[0].exchanges.length, captures[1].exchanges.length, "both captures ran the whole script");

  const cmp = await node(["compare.mjs", peerFile, lecternFile], reportFile);
  if (cmp.stderr) fs.appendFileSync(reportFile, `\n---- compare.mjs stderr (exit ${cmp.code})\n${cmp.stderr}`);
  // Keep only the failing part of the report: exchange headers with their DIFF lines
  // (a DIFF's A:/B: continuation lines follow it), not the ALLOWED ones.
  const diffs = [];
  let header = null, inDiff = false;
  for (const line of cmp.stdout.split("\n")) {
    if (/^#\d+ /.test(line)) { header = line; inDiff = false; continue; }
    if (/^\s+(DIFF|ALLOWED|note) /.test(line)) inDiff = /^\s+DIFF /.test(line);
    if (!inDiff || !line.trim()) continue;
    if (header) { diffs.push(header); header = null; }
    diffs.push(line);
  }
  const summary = cmp.stdout.trim().split("\n").pop();
  assert.ok(/exchanges compared/.test(summary),
    `compare.mjs did not finish (exit ${cmp.code ?? cmp.signal}); stderr:\n${cmp.stderr.slice(-3000)}`);
  assert.equal(cmp.code, 0,
    `compare.mjs found differences not in known-differences.json (full report: ${reportFile}):\n` +
    `${diffs.slice(0, 60).join("\n")}${diffs.length > 60 ? "\n…" : ""}\n${summary}`);
}
