// Configuration comes from run.sh through the environment. A missing variable is a
// broken harness, never a reason to skip: fail loudly with what was expected.
export function requireEnv(name, hint = "") {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set${hint ? ` (${hint})` : ""}; run tests/compat/run.sh`);
  return v;
}

// "name=url,name=url" -> [[name, url], ...]
export function targetsFromEnv(name) {
  const raw = requireEnv(name, "comma-separated name=url list, e.g. lectern=http://127.0.0.1:3000");
  return raw.split(",").map((pair) => {
    const i = pair.indexOf("=");
    if (i <= 0) throw new Error(`${name}: bad entry ${JSON.stringify(pair)}, expected name=url`);
    return [pair.slice(0, i).trim(), pair.slice(i + 1).trim().replace(/\/$/, "")];
  });
}

// Unique per call, so test files can share servers and be re-run against the same database.
let n = 0;
const RUN = `${Date.now().toString(36)}${process.pid.toString(36)}`;
export function uniqueEmail(label) {
  return `compat-${RUN}-${++n}-${label}@example.com`;
}
