#!/usr/bin/env bash
# Lectern <-> Better Auth compatibility suite: the one entry point CI calls.
#
#   tests/compat/run.sh                  builds lectern (debug), runs the test files
#   LECTERN_BIN=/path/lectern run.sh     uses that binary instead of building
#
# Servers it starts (127.0.0.1 only, free ports, fresh databases, one random secret):
#   lectern-sqlite   Lectern on a new SQLite file             client-flow
#   lectern-pg       Lectern on a new PostgreSQL database     client-flow, side-by-side, docs-client, admin
#   peer             Better Auth 1.7 on its own database      client-flow, side-by-side, admin
#   (every Better Auth peer runs with the admin plugin, as Lectern always serves it)
#   cross-peer, cross-lectern: both on ONE shared database    cross-server
#   peer-rl, lectern-rl: rate limiting on                     side-by-side (--rate-limited)
#   jwt-lectern (PG, EdDSA), jwt-es256, jwt-rs256 (SQLite, LECTERN_JWT_ALG)       jwt
#   jwt-rotate (PG; the test runs `lectern keys rotate` on its database)          jwt
#   fastapi: the FastAPI peer (PyJWT) trusting jwt-lectern's JWKS                 jwt
#   jwt-peer: Better Auth 1.7 issuing the JWTs Lectern's api role must accept     jwt
#   auth-split (--role auth) and api-split (--role api --auth-url auth-split),
#   api-peer (--role api --auth-url jwt-peer): Lectern as a JWT verifier          jwt
#     (api-* only when `lectern serve --help` shows --auth-url; otherwise the
#     jwt tests that need them fail with "lectern has no --role api --auth-url yet")
#   lectern-mail (SMTP to aiosmtpd), peer-mail (sendResetPassword, oneTimeToken())
#                                                             password-reset, one-time-token
#   idp: tests/idp/server.mjs, an OIDC provider (/oidc) and a GitHub stand-in (/github)
#   lectern-social, peer-social: github, google and a generic OIDC provider "campus", all
#     at the idp (the peer patched with peer-social.mjs)                       social
#   lectern-verify (LECTERN_EMAIL_VERIFICATION=optional, LECTERN_DELETE_USER=mail, SMTP to
#     aiosmtpd), peer-verify (patched with peer-lifecycle.mjs, mail as JSON lines),
#   lectern-required, peer-required (the same with verification required),
#   lectern-cross-verify: Lectern on peer-verify's database                  lifecycle
# Logs, test output, transcripts: ${ARTIFACTS:-/tmp}/compat-logs (replaced on each run).
# On exit, whatever happened, it stops those servers (by PID) and drops those databases.
#
# Other knobs: COMPAT_PG_URL (admin URL, default postgres://root@127.0.0.1:5432/postgres;
# the role must be allowed to CREATE DATABASE), PEER_DIR (the peer's server.mjs +
# package.json, default ../shared/peers/better-auth next to the repository), FASTAPI_PEER_DIR
# (app.py + requirements.txt, default ../shared/peers/fastapi), COMPAT_VENV (the Python venv
# for PyJWT and the FastAPI peer, default tests/compat/.venv; made, or remade when the
# requirements change, with python3 -m venv + pip install from PyPI).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
LOGS="${ARTIFACTS:-/tmp}/compat-logs"
PG_ADMIN=${COMPAT_PG_URL:-postgres://root@127.0.0.1:5432/postgres}
PG_BASE=${PG_ADMIN%/*} # same server, other database names
PEER_SRC=${PEER_DIR:-$REPO/../shared/peers/better-auth}
FASTAPI_SRC=${FASTAPI_PEER_DIR:-$REPO/../shared/peers/fastapi}
VENV=${COMPAT_VENV:-$HERE/.venv}
# NODE_ENV=production would make npm skip devDependencies and the peer set Secure cookies.
unset NODE_ENV

NAME=compat
# shellcheck source=../lib/harness.sh
source "$HERE/../lib/harness.sh"

# ---------------------------------------------------------------- prerequisites
cd "$HERE" # helpers and tests run from here; cargo and the peer cd elsewhere in subshells
command -v node >/dev/null || die "node is not installed (need Node.js >= 20)"
node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' ||
  die "Node.js >= 20 is required (found $(node --version))"
[[ -f $PEER_SRC/server.mjs && -f $PEER_SRC/package.json ]] ||
  die "reference peer not found at $PEER_SRC (set PEER_DIR)"
[[ -f $FASTAPI_SRC/app.py && -f $FASTAPI_SRC/requirements.txt ]] ||
  die "FastAPI peer not found at $FASTAPI_SRC (set FASTAPI_PEER_DIR)"
command -v python3 >/dev/null || die "python3 is not installed (jwt.test.mjs runs PyJWT and the FastAPI peer)"
python3 -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 10) else 1)' ||
  die "Python >= 3.10 with the venv module is required (found $(python3 --version 2>&1))"

use_lectern_bin
# The api role (Lectern verifying JWTs) is new; without it the rest of the suite still runs.
API_ROLE_MISSING=""
# (Captured, not piped to grep -q: with pipefail, an early-exiting grep could SIGPIPE it.)
SERVE_HELP=$("$LECTERN_BIN" serve --help 2>&1 || true)
if [[ $SERVE_HELP != *--auth-url* ]]; then
  API_ROLE_MISSING="lectern has no --role api --auth-url yet (\`lectern serve --help\` does not mention --auth-url)"
  step "$API_ROLE_MISSING: the api-role jwt tests will fail"
fi

# npm ci when any declared package is missing (fresh checkout, or a new devDependency), here
# and in tests/idp (the identity provider social.test.mjs signs in at).
deps_present() { # [dir]
  (cd "${1:-.}" && node -e '
    const p = require("./package.json"), fs = require("fs");
    const names = Object.keys({ ...p.dependencies, ...p.devDependencies });
    process.exit(names.every((n) => fs.existsSync(`node_modules/${n}/package.json`)) ? 0 : 1);')
}
IDP_DIR="$REPO/tests/idp"
for dir in "$HERE" "$IDP_DIR"; do
  if ! deps_present "$dir"; then
    step "npm ci in ${dir#"$REPO"/}"
    (cd "$dir" && bounded 600 npm ci --no-audit --no-fund) || die "npm ci failed in $dir"
    deps_present "$dir" || die "npm ci did not install every package in $dir/package.json"
  fi
done

rm -rf "$LOGS" && mkdir -p "$LOGS"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lectern-compat.XXXXXX")

# Python venv for PyJWT and the FastAPI peer, reused while the requirements (and the Python)
# stay the same; a failed install removes it so the next run starts clean.
PY_REQS=("$FASTAPI_SRC/requirements.txt" "$HERE/python/requirements.txt")
PY_STAMP=$(node -e '
  const h = require("crypto").createHash("sha256"), fs = require("fs");
  for (const f of process.argv.slice(1)) h.update(fs.readFileSync(f));
  console.log(h.digest("hex"));' "${PY_REQS[@]}")-$(python3 -c 'import sys; print(sys.version.split()[0])')
if [[ ! -x $VENV/bin/python || $(cat "$VENV/.compat-stamp" 2>/dev/null) != "$PY_STAMP" ]]; then
  step "python venv in $VENV (pip install: ${PY_REQS[*]})"
  rm -rf "$VENV"
  { bounded 120 python3 -m venv "$VENV" &&
    bounded 600 "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input \
      -r "${PY_REQS[0]}" -r "${PY_REQS[1]}"; } >"$LOGS/pip-install.log" 2>&1 ||
    { tail -n 20 "$LOGS/pip-install.log" >&2; rm -rf "$VENV"; die "creating the Python venv failed, see $LOGS/pip-install.log"; }
  echo "$PY_STAMP" >"$VENV/.compat-stamp"
fi
"$VENV/bin/python" -c 'import jwt, fastapi, uvicorn, cryptography' ||
  die "the venv at $VENV lacks PyJWT/FastAPI/uvicorn; remove it and run again"

# The peer runs from a copy. Its dependencies are the same packages tests/compat pins, so
# reuse those (no network); if they ever diverge, install the peer's own.
mkdir "$WORK/peer" && cp "$PEER_SRC/server.mjs" "$PEER_SRC/package.json" "$WORK/peer/"
# Lectern always serves Better Auth's admin plugin, so every reference peer here runs with
# admin() too (after anonymous(), where it puts role/banned/banReason/banExpires in the user
# JSON): the shared benchmark peer's file stays as it is.
sed -i -e 's|import { jwt, bearer, anonymous } from "better-auth/plugins";|&\nimport { admin } from "better-auth/plugins";|' \
  -e 's|plugins: \[jwt(), bearer(), anonymous()\]|plugins: [jwt(), bearer(), anonymous(), admin()]|' "$WORK/peer/server.mjs"
grep -q 'anonymous(), admin()\]' "$WORK/peer/server.mjs" || die "the peer's server.mjs changed: could not add the admin plugin"
if node -e '
  const peer = require(process.argv[1]).dependencies, ours = require("./package.json").dependencies;
  process.exit(Object.entries(peer).every(([k, v]) => ours[k] === v) ? 0 : 1);' "$WORK/peer/package.json"; then
  ln -s "$HERE/node_modules" "$WORK/peer/node_modules"
else
  step "npm install for the peer (its dependencies differ from tests/compat's)"
  (cd "$WORK/peer" && bounded 600 npm install --no-audit --no-fund >"$LOGS/peer-npm-install.log" 2>&1) ||
    die "npm install for the peer failed, see $LOGS/peer-npm-install.log"
fi

# ---------------------------------------------------------------- databases, ports
RUN_ID=$(node -e 'console.log(require("crypto").randomBytes(4).toString("hex"))')
SECRET="compat-$(node -e 'console.log(require("crypto").randomBytes(24).toString("hex"))')"
DB_LECTERN="compat_${RUN_ID}_lectern" DB_PEER="compat_${RUN_ID}_peer" DB_SHARED="compat_${RUN_ID}_shared"
DB_JWT="compat_${RUN_ID}_jwt" DB_JWT_ROTATE="compat_${RUN_ID}_jwt_rotate" DB_JWT_PEER="compat_${RUN_ID}_jwt_peer"
DB_SPLIT="compat_${RUN_ID}_split" DB_MAIL="compat_${RUN_ID}_mail" DB_PEER_MAIL="compat_${RUN_ID}_peer_mail"
DB_SOCIAL="compat_${RUN_ID}_social" DB_PEER_SOCIAL="compat_${RUN_ID}_peer_social"
DB_VERIFY="compat_${RUN_ID}_verify" DB_PEER_VERIFY="compat_${RUN_ID}_peer_verify"
DB_REQUIRED="compat_${RUN_ID}_required" DB_PEER_REQUIRED="compat_${RUN_ID}_peer_required"
create_dbs "$DB_LECTERN" "$DB_PEER" "$DB_SHARED" "$DB_JWT" "$DB_JWT_ROTATE" "$DB_JWT_PEER" "$DB_SPLIT" \
  "$DB_MAIL" "$DB_PEER_MAIL" "$DB_SOCIAL" "$DB_PEER_SOCIAL" "$DB_VERIFY" "$DB_PEER_VERIFY" "$DB_REQUIRED" \
  "$DB_PEER_REQUIRED"
names=(lectern_sqlite lectern_pg peer cross_peer cross_lectern peer_rl lectern_rl
  jwt_lectern jwt_es256 jwt_rs256 jwt_rotate fastapi jwt_peer auth_split api_split api_peer
  smtp lectern_mail peer_mail idp lectern_social peer_social
  lectern_verify peer_verify lectern_required peer_required lectern_cross_verify)
mapfile -t PORTS < <(node lib/free-ports.mjs ${#names[@]})
((${#PORTS[@]} == ${#names[@]})) || die "could not pick free ports"
url() { echo "http://127.0.0.1:$1"; }

# ---------------------------------------------------------------- servers
declare -A PORT PID
for i in "${!names[@]}"; do PORT[${names[$i]}]=${PORTS[$i]}; done

start_lectern_with() { # name database-url [VAR=value...] [-- serve-args...]
  # -u: the caller's environment must not change what is tested (e.g. a forced hash format,
  # a JWT algorithm). With rate limiting on, the capture's X-Forwarded-For headers count as
  # from a proxy on loopback, as Better Auth believes single-hop X-Forwarded-For from anyone.
  # VAR=value arguments come last, so they override the defaults here.
  local name=$1 db=$2 extra=() args=()
  shift 2
  while (($#)); do
    if [[ $1 == -- ]]; then shift; args=("$@"); break; fi
    extra+=("$1"); shift
  done
  env -u LECTERN_PASSWORD_HASH -u LECTERN_ENV -u LECTERN_SECRET -u LECTERN_ADDR -u BETTER_AUTH_SECRETS \
    -u LECTERN_JWT_ALG -u LECTERN_JWT_LIFETIME -u LECTERN_JWKS_ROTATION -u LECTERN_JWKS_GRACE \
    -u LECTERN_SMTP_URL -u LECTERN_MAIL_OUTBOX -u LECTERN_MAIL_FROM -u REDIS_URL \
    -u GITHUB_CLIENT_ID -u GITHUB_CLIENT_SECRET -u LECTERN_GITHUB_AUTHORIZATION_URL -u LECTERN_GITHUB_TOKEN_URL \
    -u LECTERN_GITHUB_API_URL -u GOOGLE_CLIENT_ID -u GOOGLE_CLIENT_SECRET -u LECTERN_GOOGLE_DISCOVERY_URL \
    -u LECTERN_OIDC_PROVIDERS -u LECTERN_OIDC_CAMPUS_DISCOVERY_URL -u LECTERN_OIDC_CAMPUS_CLIENT_ID \
    -u LECTERN_OIDC_CAMPUS_CLIENT_SECRET -u LECTERN_OIDC_CAMPUS_SCOPES -u LECTERN_OIDC_CAMPUS_NAME \
    -u LECTERN_EMAIL_VERIFICATION -u LECTERN_DELETE_USER -u LECTERN_BOOK_TITLE -u LECTERN_MAIL_TEMPLATES \
    DATABASE_URL="$db" BETTER_AUTH_SECRET="$SECRET" BETTER_AUTH_URL="$(url "${PORT[$name]}")" \
    LECTERN_RATE_LIMIT=off LECTERN_TRUSTED_PROXIES=127.0.0.1 NO_COLOR=1 \
    LECTERN_INDEX_DIR="${COMPAT_INDEX_DIR:-/tmp/lectern-compat-index}" ${extra[@]+"${extra[@]}"} \
    "$LECTERN_BIN" serve --addr "127.0.0.1:${PORT[$name]}" ${args[@]+"${args[@]}"} \
    >"$LOGS/$name.log" 2>&1 </dev/null &
  PID[$name]=$!
  PIDS+=($!)
}
start_lectern() { # name database-url [rate-limit on|off]
  start_lectern_with "$1" "$2" LECTERN_RATE_LIMIT="${3:-off}"
}
start_fastapi() { # name lectern-name: the FastAPI peer (a copy of app.py) trusting that Lectern
  mkdir -p "$WORK/$1" && cp "$FASTAPI_SRC/app.py" "$WORK/$1/"
  # exec: $! must be uvicorn itself. PYTHONWARNINGS=default: PyJWT's warnings reach the log.
  (cd "$WORK/$1" && exec env -u JWKS_URL -u JWT_ISSUER -u JWT_AUDIENCE -u PYTHONPATH \
    BETTER_AUTH_URL="$(url "${PORT[$2]}")" PYTHONDONTWRITEBYTECODE=1 PYTHONWARNINGS=default \
    "$VENV/bin/uvicorn" app:app --host 127.0.0.1 --port "${PORT[$1]}" --workers 1) \
    >"$LOGS/$1.log" 2>&1 </dev/null &
  PID[$1]=$!
  PIDS+=($!)
}
peer_env() { # name database-url [rate-limit 1] -> PEER_ENV
  PEER_ENV=(-u PEER_RATE_LIMIT DATABASE_URL="$2" PEER_PORT="${PORT[$1]}" PEER_URL="$(url "${PORT[$1]}")"
    BETTER_AUTH_SECRET="$SECRET")
  [[ ${3:-} == 1 ]] && PEER_ENV+=(PEER_RATE_LIMIT=1)
  return 0
}
migrate_peer() { # name database-url [peer directory]
  peer_env "$1" "$2"
  (cd "${3:-$WORK/peer}" && bounded 120 env "${PEER_ENV[@]}" node server.mjs migrate) >"$LOGS/$1-migrate.log" 2>&1 ||
    { cat "$LOGS/$1-migrate.log" >&2; die "peer migration ($1) failed"; }
}
start_peer() { # name database-url [rate-limit 1] [peer directory]
  peer_env "$@"
  # exec: $! must be node itself, so cleanup's kill reaches the server.
  (cd "${4:-$WORK/peer}" && exec env "${PEER_ENV[@]}" node server.mjs) >"$LOGS/$1.log" 2>&1 </dev/null &
  PID[$1]=$!
  PIDS+=($!)
}
wait_ready() { # name
  node lib/wait-ready.mjs "$(url "${PORT[$1]}")" "${PID[$1]}" "$1" || {
    echo "---- last lines of $LOGS/$1.log" >&2
    tail -n 30 "$LOGS/$1.log" >&2 || true
    die "$1 did not start"
  }
}
# wait_http name path: up once URL/path answers anything over HTTP (servers without
# /api/auth/ok). Bounded like wait-ready.mjs: 150 tries 100 ms apart, 1 s per request;
# fails at once if the process exited. Returns non-zero (the caller decides) on failure.
wait_http() {
  node -e '
    const [url, pid, name] = process.argv.slice(1);
    (async () => {
      for (let i = 0; i < 150; i++) {
        try { process.kill(Number(pid), 0); } catch {
          console.error(`${name}: process ${pid} exited before it was ready (see its log)`);
          process.exit(1);
        }
        try { await fetch(url, { signal: AbortSignal.timeout(1000) }); process.exit(0); } catch { /* not yet */ }
        await new Promise((r) => setTimeout(r, 100));
      }
      console.error(`${name}: ${url} did not answer after 150 tries`);
      process.exit(1);
    })();' "$(url "${PORT[$1]}")$2" "${PID[$1]}" "$1"
}

step "starting servers (logs in $LOGS)"
start_lectern lectern_sqlite "sqlite://$WORK/lectern.db"
start_lectern lectern_pg "$PG_BASE/$DB_LECTERN"
migrate_peer peer "$PG_BASE/$DB_PEER"
start_peer peer "$PG_BASE/$DB_PEER"
# Shared database: Better Auth's own migration first, so its tables are the reference.
migrate_peer cross_peer "$PG_BASE/$DB_SHARED"
start_peer cross_peer "$PG_BASE/$DB_SHARED"
# The rate-limited pair (side-by-side's second capture) shares the other databases.
start_peer peer_rl "$PG_BASE/$DB_PEER" 1
start_lectern lectern_rl "$PG_BASE/$DB_LECTERN" on
# jwt.test.mjs: issuers for each algorithm, one to rotate, a Better Auth peer, the auth role.
start_lectern jwt_lectern "$PG_BASE/$DB_JWT"
start_lectern jwt_rotate "$PG_BASE/$DB_JWT_ROTATE"
start_lectern_with jwt_es256 "sqlite://$WORK/jwt-es256.db" LECTERN_JWT_ALG=ES256
start_lectern_with jwt_rs256 "sqlite://$WORK/jwt-rs256.db" LECTERN_JWT_ALG=RS256
start_lectern_with auth_split "$PG_BASE/$DB_SPLIT" -- --role auth
migrate_peer jwt_peer "$PG_BASE/$DB_JWT_PEER"
start_peer jwt_peer "$PG_BASE/$DB_JWT_PEER"
# password-reset.test.mjs: a real SMTP server (aiosmtpd, into a Maildir) for Lectern, and the
# peer with the one option the reference lacks for mail, sendResetPassword, writing JSON lines.
mkdir -p "$WORK/maildir/new" "$WORK/maildir/cur" "$WORK/maildir/tmp"
"$VENV/bin/python" -m aiosmtpd -n -l "127.0.0.1:${PORT[smtp]}" -c aiosmtpd.handlers.Mailbox "$WORK/maildir" \
  >"$LOGS/smtp.log" 2>&1 </dev/null &
PID[smtp]=$!
PIDS+=($!)
start_lectern_with lectern_mail "$PG_BASE/$DB_MAIL" LECTERN_SMTP_URL="smtp://127.0.0.1:${PORT[smtp]}" \
  LECTERN_MAIL_FROM="Compat Book <book@example.com>"
mkdir "$WORK/peer-mail" && cp "$WORK/peer/package.json" "$WORK/peer-mail/" && ln -s "$WORK/peer/node_modules" "$WORK/peer-mail/node_modules"
# It also gets the oneTimeToken plugin, for one-time-token.test.mjs.
sed -e 's|emailAndPassword: { enabled: true }|emailAndPassword: { enabled: true, sendResetPassword: async ({ user, url, token }) => (await import("node:fs")).appendFileSync(process.env.PEER_OUTBOX, JSON.stringify({ to: user.email, url, token }) + "\\n") }|' \
  -e 's|import { jwt, bearer, anonymous } from "better-auth/plugins";|import { jwt, bearer, anonymous, oneTimeToken } from "better-auth/plugins";|' \
  -e 's|anonymous(), admin()\]|anonymous(), admin(), oneTimeToken()]|' \
  "$WORK/peer/server.mjs" >"$WORK/peer-mail/server.mjs"
grep -q sendResetPassword "$WORK/peer-mail/server.mjs" || die "the peer's server.mjs changed: could not add sendResetPassword"
grep -q 'admin(), oneTimeToken()' "$WORK/peer-mail/server.mjs" || die "the peer's server.mjs changed: could not add oneTimeToken"
migrate_peer peer_mail "$PG_BASE/$DB_PEER_MAIL" "$WORK/peer-mail"
PEER_OUTBOX="$WORK/peer-mail/outbox.jsonl" start_peer peer_mail "$PG_BASE/$DB_PEER_MAIL" 0 "$WORK/peer-mail"
# social.test.mjs: the test IdP first (Lectern and the peer read its discovery document), with
# one client per provider whose redirect URIs are Lectern's and the peer's callbacks.
IDP_URL=$(url "${PORT[idp]}")
declare -A SOCIAL_ID SOCIAL_SECRET # the same as in IDP_CLIENTS; social.test.mjs expects these ids
for p in github google campus; do SOCIAL_ID[$p]="compat-$p" SOCIAL_SECRET[$p]="$p-secret-$RUN_ID"; done
IDP_CLIENTS=$(node -e '
  const [run, ...bases] = process.argv.slice(1);
  console.log(JSON.stringify(["github", "google", "campus"].map((p) => ({
    client_id: `compat-${p}`, client_secret: `${p}-secret-${run}`, redirect_uris: bases.map((b) => `${b}/api/auth/callback/${p}`),
  }))));' "$RUN_ID" "$(url "${PORT[lectern_social]}")" "$(url "${PORT[peer_social]}")")
(cd "$IDP_DIR" && exec env IDP_PORT="${PORT[idp]}" IDP_CLIENTS="$IDP_CLIENTS" node server.mjs) >"$LOGS/idp.log" 2>&1 </dev/null &
PID[idp]=$!
PIDS+=($!)
wait_http idp /oidc/.well-known/openid-configuration || {
  echo "---- last lines of $LOGS/idp.log" >&2
  tail -n 30 "$LOGS/idp.log" >&2 || true
  die "the test IdP did not start"
}
start_lectern_with lectern_social "$PG_BASE/$DB_SOCIAL" \
  GITHUB_CLIENT_ID="${SOCIAL_ID[github]}" GITHUB_CLIENT_SECRET="${SOCIAL_SECRET[github]}" \
  LECTERN_GITHUB_AUTHORIZATION_URL="$IDP_URL/github/login/oauth/authorize" \
  LECTERN_GITHUB_TOKEN_URL="$IDP_URL/github/login/oauth/access_token" LECTERN_GITHUB_API_URL="$IDP_URL/github/api" \
  GOOGLE_CLIENT_ID="${SOCIAL_ID[google]}" GOOGLE_CLIENT_SECRET="${SOCIAL_SECRET[google]}" \
  LECTERN_GOOGLE_DISCOVERY_URL="$IDP_URL/oidc/.well-known/openid-configuration" \
  LECTERN_OIDC_PROVIDERS=campus LECTERN_OIDC_CAMPUS_DISCOVERY_URL="$IDP_URL/oidc/.well-known/openid-configuration" \
  LECTERN_OIDC_CAMPUS_CLIENT_ID="${SOCIAL_ID[campus]}" LECTERN_OIDC_CAMPUS_CLIENT_SECRET="${SOCIAL_SECRET[campus]}" \
  LECTERN_OIDC_CAMPUS_SCOPES="openid email profile" LECTERN_OIDC_CAMPUS_NAME=Campus
# The peer with the same providers: socialProviders (github, google) and genericOAuth (campus)
# from peer-social.mjs, which also points Better Auth's hardcoded GitHub and Google hosts at the
# IdP. Its settings reach it through the environment of these two calls only.
mkdir "$WORK/peer-social" && cp "$WORK/peer/package.json" "$HERE/peer-social.mjs" "$WORK/peer-social/" &&
  ln -s "$WORK/peer/node_modules" "$WORK/peer-social/node_modules"
sed -e 's|import { jwt, bearer, anonymous } from "better-auth/plugins";|import { jwt, bearer, anonymous, genericOAuth } from "better-auth/plugins";\nimport { socialProviders, campus } from "./peer-social.mjs";|' \
  -e 's|emailAndPassword: { enabled: true },|emailAndPassword: { enabled: true },\n  socialProviders,|' \
  -e 's|anonymous(), admin()\]|anonymous(), admin(), genericOAuth({ config: [campus] })]|' \
  "$WORK/peer/server.mjs" >"$WORK/peer-social/server.mjs"
for want in 'from "./peer-social.mjs"' '^  socialProviders,$' 'genericOAuth({ config: \[campus\] })'; do
  grep -q "$want" "$WORK/peer-social/server.mjs" || die "the peer's server.mjs changed: could not add social sign-in ($want)"
done
with_social_peer_env() { # run.sh-function args...: runs it with the social peer's settings in the environment
  local -x SOCIAL_IDP_URL=$IDP_URL PEER_GITHUB_CLIENT_ID=${SOCIAL_ID[github]} \
    PEER_GITHUB_CLIENT_SECRET=${SOCIAL_SECRET[github]} PEER_GOOGLE_CLIENT_ID=${SOCIAL_ID[google]} \
    PEER_GOOGLE_CLIENT_SECRET=${SOCIAL_SECRET[google]} PEER_CAMPUS_CLIENT_ID=${SOCIAL_ID[campus]} \
    PEER_CAMPUS_CLIENT_SECRET=${SOCIAL_SECRET[campus]}
  "$@"
}
with_social_peer_env migrate_peer peer_social "$PG_BASE/$DB_PEER_SOCIAL" "$WORK/peer-social"
with_social_peer_env start_peer peer_social "$PG_BASE/$DB_PEER_SOCIAL" 0 "$WORK/peer-social"
# lifecycle.test.mjs: email verification, change of email and deletion by mail. Lectern sends
# to the aiosmtpd above; its verification mode is one per process, hence two pairs.
LIFECYCLE_SMTP=(LECTERN_SMTP_URL="smtp://127.0.0.1:${PORT[smtp]}" LECTERN_MAIL_FROM="Compat Book <book@example.com>")
start_lectern_with lectern_verify "$PG_BASE/$DB_VERIFY" "${LIFECYCLE_SMTP[@]}" \
  LECTERN_EMAIL_VERIFICATION=optional LECTERN_DELETE_USER=mail
start_lectern_with lectern_required "$PG_BASE/$DB_REQUIRED" "${LIFECYCLE_SMTP[@]}" \
  LECTERN_EMAIL_VERIFICATION=required LECTERN_DELETE_USER=mail
# The peers: Better Auth's emailVerification, user.changeEmail and user.deleteUser options from
# peer-lifecycle.mjs, in the mode PEER_LIFECYCLE_MODE says, each writing its own outbox.
mkdir "$WORK/peer-lifecycle" && cp "$WORK/peer/package.json" "$HERE/peer-lifecycle.mjs" "$WORK/peer-lifecycle/" &&
  ln -s "$WORK/peer/node_modules" "$WORK/peer-lifecycle/node_modules"
sed -e 's|import { jwt, bearer, anonymous } from "better-auth/plugins";|&\nimport { lifecycle } from "./peer-lifecycle.mjs";|' \
  -e 's|emailAndPassword: { enabled: true },|emailAndPassword: { enabled: true, requireEmailVerification: lifecycle.requireEmailVerification },\n  emailVerification: lifecycle.emailVerification,|' \
  -e 's|user: { additionalFields: |user: { ...lifecycle.user, additionalFields: |' \
  "$WORK/peer/server.mjs" >"$WORK/peer-lifecycle/server.mjs"
for want in 'from "./peer-lifecycle.mjs"' 'requireEmailVerification: lifecycle' '^  emailVerification: lifecycle.emailVerification,$' \
  'user: { \.\.\.lifecycle\.user, additionalFields'; do
  grep -q "$want" "$WORK/peer-lifecycle/server.mjs" || die "the peer's server.mjs changed: could not add the lifecycle options ($want)"
done
with_lifecycle_peer_env() { # optional|required run.sh-function args...
  local -x PEER_LIFECYCLE_MODE=$1 PEER_OUTBOX="$WORK/peer-lifecycle/outbox-$1.jsonl"
  shift
  "$@"
}
with_lifecycle_peer_env optional migrate_peer peer_verify "$PG_BASE/$DB_PEER_VERIFY" "$WORK/peer-lifecycle"
with_lifecycle_peer_env optional start_peer peer_verify "$PG_BASE/$DB_PEER_VERIFY" 0 "$WORK/peer-lifecycle"
with_lifecycle_peer_env required migrate_peer peer_required "$PG_BASE/$DB_PEER_REQUIRED" "$WORK/peer-lifecycle"
with_lifecycle_peer_env required start_peer peer_required "$PG_BASE/$DB_PEER_REQUIRED" 0 "$WORK/peer-lifecycle"
for n in lectern_sqlite lectern_pg peer cross_peer peer_rl lectern_rl \
  jwt_lectern jwt_rotate jwt_es256 jwt_rs256 auth_split jwt_peer lectern_mail peer_mail \
  lectern_social peer_social lectern_verify peer_verify lectern_required peer_required; do wait_ready "$n"; done
node -e '
  const net = require("net"), [port, pid] = process.argv.slice(1).map(Number);
  (async () => {
    for (let i = 0; i < 150; i++) {
      try { process.kill(pid, 0); } catch { console.error("aiosmtpd exited (see smtp.log)"); process.exit(1); }
      const up = await new Promise((r) => net.connect(port, "127.0.0.1").on("connect", function () { this.end(); r(true); }).on("error", () => r(false)));
      if (up) process.exit(0);
      await new Promise((r) => setTimeout(r, 100));
    }
    console.error("aiosmtpd did not listen"); process.exit(1);
  })();' "${PORT[smtp]}" "${PID[smtp]}" || die "the SMTP server did not start; see $LOGS/smtp.log"
start_fastapi fastapi jwt_lectern
wait_http fastapi /api/me || {
  echo "---- last lines of $LOGS/fastapi.log" >&2
  tail -n 30 "$LOGS/fastapi.log" >&2 || true
  die "the FastAPI peer did not start"
}
# Lectern as a verifier: of the Better Auth peer's JWTs, and of its own auth role's. Both
# share their issuer's URL as BETTER_AUTH_URL; api-split also shares auth-split's database.
# A start failure is reported to the tests (not fatal), so everything else still runs.
if [[ -z $API_ROLE_MISSING ]]; then
  start_lectern_with api_peer "sqlite://$WORK/api-peer.db" BETTER_AUTH_URL="$(url "${PORT[jwt_peer]}")" \
    -- --role api --auth-url "$(url "${PORT[jwt_peer]}")"
  start_lectern_with api_split "$PG_BASE/$DB_SPLIT" BETTER_AUTH_URL="$(url "${PORT[auth_split]}")" \
    -- --role api --auth-url "$(url "${PORT[auth_split]}")"
  failed=()
  for n in api_peer api_split; do
    wait_http "$n" /api/me && continue
    echo "---- last lines of $LOGS/$n.log" >&2
    tail -n 30 "$LOGS/$n.log" >&2 || true
    failed+=("$n: \"$(tail -n 1 "$LOGS/$n.log" 2>/dev/null)\" ($LOGS/$n.log)")
  done
  if ((${#failed[@]})); then
    API_ROLE_MISSING="lectern serve --role api --auth-url did not start; ${failed[*]}"
    step "$API_ROLE_MISSING: the api-role jwt tests will fail"
  fi
fi
# Lectern chooses its password format at start-up from the database's contents.
node lib/seed-user.mjs "$(url "${PORT[cross_peer]}")" || die "seeding the shared database failed"
start_lectern cross_lectern "$PG_BASE/$DB_SHARED"
# The same for the lifecycle's Lectern on peer-verify's database (links minted by one server
# followed on the other).
node lib/seed-user.mjs "$(url "${PORT[peer_verify]}")" || die "seeding peer-verify's database failed"
start_lectern_with lectern_cross_verify "$PG_BASE/$DB_PEER_VERIFY" "${LIFECYCLE_SMTP[@]}" LECTERN_EMAIL_VERIFICATION=optional
wait_ready cross_lectern
wait_ready lectern_cross_verify

# ---------------------------------------------------------------- tests
step "running tests"
# The peer is a client-flow target too: passing there proves the test encodes Better Auth.
export COMPAT_TARGETS="lectern-sqlite=$(url "${PORT[lectern_sqlite]}"),lectern-pg=$(url "${PORT[lectern_pg]}"),peer=$(url "${PORT[peer]}")"
export CROSS_PEER_URL CROSS_LECTERN_URL CROSS_DATABASE_URL SBS_PEER_URL SBS_LECTERN_URL COMPAT_ARTIFACTS \
  SBS_PEER_RL_URL SBS_LECTERN_RL_URL
SBS_PEER_RL_URL=$(url "${PORT[peer_rl]}") SBS_LECTERN_RL_URL=$(url "${PORT[lectern_rl]}")
CROSS_PEER_URL=$(url "${PORT[cross_peer]}") CROSS_LECTERN_URL=$(url "${PORT[cross_lectern]}")
CROSS_DATABASE_URL="$PG_BASE/$DB_SHARED"
SBS_PEER_URL=$(url "${PORT[peer]}") SBS_LECTERN_URL=$(url "${PORT[lectern_pg]}") COMPAT_ARTIFACTS=$LOGS
export DOCS_CLIENT_URL=$(url "${PORT[lectern_pg]}")
# admin.test.mjs makes its first admins with an UPDATE on each server's database.
export ADMIN_TARGETS="lectern=$(url "${PORT[lectern_pg]}")|$PG_BASE/$DB_LECTERN,peer=$(url "${PORT[peer]}")|$PG_BASE/$DB_PEER"
export OTT_TARGETS="lectern=$(url "${PORT[lectern_mail]}"),peer=$(url "${PORT[peer_mail]}")"
export SOCIAL_TARGETS="lectern=$(url "${PORT[lectern_social]}"),peer=$(url "${PORT[peer_social]}")" SOCIAL_IDP_URL=$IDP_URL
export LIFECYCLE_TARGETS="lectern=$(url "${PORT[lectern_verify]}")|maildir:$WORK/maildir,peer=$(url "${PORT[peer_verify]}")|jsonl:$WORK/peer-lifecycle/outbox-optional.jsonl"
export LIFECYCLE_REQUIRED_TARGETS="lectern=$(url "${PORT[lectern_required]}")|maildir:$WORK/maildir,peer=$(url "${PORT[peer_required]}")|jsonl:$WORK/peer-lifecycle/outbox-required.jsonl"
export LIFECYCLE_CROSS_TARGETS="peer=$(url "${PORT[peer_verify]}")|jsonl:$WORK/peer-lifecycle/outbox-optional.jsonl,lectern=$(url "${PORT[lectern_cross_verify]}")|maildir:$WORK/maildir"
export MAIL_TARGETS="lectern=$(url "${PORT[lectern_mail]}")|maildir:$WORK/maildir,peer=$(url "${PORT[peer_mail]}")|jsonl:$WORK/peer-mail/outbox.jsonl"
export LECTERN_BIN JWT_LECTERN_URL JWT_ES256_URL JWT_RS256_URL JWT_ROTATE_URL JWT_ROTATE_DATABASE_URL \
  JWT_SECRET JWT_FASTAPI_URL JWT_FASTAPI_LOG JWT_PYTHON JWT_PEER_URL JWT_AUTH_ROLE_URL \
  JWT_API_PEER_URL JWT_API_SPLIT_URL JWT_API_ROLE_MISSING
JWT_LECTERN_URL=$(url "${PORT[jwt_lectern]}") JWT_ES256_URL=$(url "${PORT[jwt_es256]}")
JWT_RS256_URL=$(url "${PORT[jwt_rs256]}") JWT_ROTATE_URL=$(url "${PORT[jwt_rotate]}")
JWT_ROTATE_DATABASE_URL="$PG_BASE/$DB_JWT_ROTATE" JWT_SECRET=$SECRET
JWT_FASTAPI_URL=$(url "${PORT[fastapi]}") JWT_FASTAPI_LOG="$LOGS/fastapi.log" JWT_PYTHON="$VENV/bin/python"
JWT_PEER_URL=$(url "${PORT[jwt_peer]}") JWT_AUTH_ROLE_URL=$(url "${PORT[auth_split]}")
JWT_API_PEER_URL=$(url "${PORT[api_peer]}") JWT_API_SPLIT_URL=$(url "${PORT[api_split]}")
JWT_API_ROLE_MISSING=$API_ROLE_MISSING

set +e
# --test-timeout bounds each test; `bounded` also catches a file that never exits.
bounded 900 node --test --test-reporter=spec --test-timeout=180000 \
  client-flow.test.mjs cross-server.test.mjs side-by-side.test.mjs jwt.test.mjs password-reset.test.mjs \
  one-time-token.test.mjs docs-client.test.mjs social.test.mjs lifecycle.test.mjs admin.test.mjs 2>&1 | tee "$LOGS/tests.txt"
status=${PIPESTATUS[0]}
set -e
step "tests $([[ $status == 0 ]] && echo passed || echo FAILED); artifacts in $LOGS"
exit "$status"
