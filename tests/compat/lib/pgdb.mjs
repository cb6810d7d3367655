#!/usr/bin/env node
// node pgdb.mjs create|drop NAME...  (admin connection: COMPAT_PG_URL, default
// postgres://root@127.0.0.1:5432/postgres). Uses the pg package rather than
// createdb/dropdb so the only requirement on the CI machine is a reachable server.
import pg from "pg";
const [cmd, ...names] = process.argv.slice(2);
const admin = process.env.COMPAT_PG_URL || "postgres://root@127.0.0.1:5432/postgres";
if (!["create", "drop"].includes(cmd) || !names.length) {
  console.error("usage: node pgdb.mjs create|drop NAME...");
  process.exit(2);
}
const client = new pg.Client({ connectionString: admin, connectionTimeoutMillis: 5000 });
try {
  await client.connect();
} catch (e) {
  console.error(`cannot connect to PostgreSQL at ${admin}: ${e.message}`);
  process.exit(1);
}
let failed = false;
for (const name of names) {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`unsafe database name ${name}`);
  try {
    // WITH (FORCE) (PostgreSQL 13+): a server that was killed may leave a connection behind.
    await client.query(cmd === "create" ? `CREATE DATABASE "${name}"` : `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } catch (e) {
    console.error(`${cmd} database ${name}: ${e.message}`);
    failed = true;
  }
}
await client.end();
process.exit(failed ? 1 : 0);
