#!/usr/bin/env bash
# Lectern's browser tests: the one entry point CI calls (`bash tests/e2e/run.sh`).
#
#   tests/e2e/run.sh                     builds lectern (debug) and runs every spec
#   LECTERN_BIN=/path/lectern run.sh     uses that binary instead of building
#   run.sh specs/hostile.spec.mjs ...    extra arguments go to `playwright test`
#
# Real parts only: the real binary, Debian's Chromium (/usr/bin/chromium, apt-installed when
# missing), Playwright driving it, a real Docusaurus 3 build. The one stand-in is the model:
# fake-llm.mjs speaks OpenAI's streaming chat-completions protocol.
#
#   main      Lectern, SQLite, sample book, extractive answers, rate limits off  (demo page specs)
#   limited   Lectern, SQLite, rate limits on                                      (rate-limit spec)
#   hostile   Lectern, SQLite, answers from fake-llm (hostile Markdown)            (hostile spec)
#   book      Lectern, PostgreSQL, the Docusaurus site's docs as its book, citations
#             linking into the site (LECTERN_BOOK_URL), the site's origin trusted  (docusaurus spec)
#   insights  Lectern, SQLite filled by `lectern dev demo-data` with an admin  (insights spec)
#   llm       node fake-llm.mjs
#   site      tests/e2e/docusaurus built with LECTERN_URL=<book>, `docusaurus serve`
#   idp       tests/idp/server.mjs: an OpenID Connect provider (/oidc) and a GitHub stand-in
#             (/github) with login pages; main and book offer "Campus SSO" (OIDC, by
#             discovery) and GitHub from it, their callbacks registered there (social spec)
# Everything a person would look at goes to ${ARTIFACTS:-/tmp}/e2e, replaced on each run:
# screenshots/<project>/*.png, logs/*.log, first-paint.json, results.json, test-results/
# (traces of failed tests). On exit, whatever happened, the servers are stopped by PID and the
# PostgreSQL database is dropped. Knobs: E2E_PG_URL (admin URL, default
# postgres://root@127.0.0.1:5432/postgres; the role must be allowed to CREATE DATABASE).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUT="${ARTIFACTS:-/tmp}/e2e"
LOGS="$OUT/logs"
CHROMIUM=/usr/bin/chromium
PG_ADMIN=${E2E_PG_URL:-postgres://root@127.0.0.1:5432/postgres}
PG_BASE=${PG_ADMIN%/*}
unset NODE_ENV # production would make npm ci skip devDependencies
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 # Debian's Chromium only; never Playwright's builds

NAME=e2e
# shellcheck source=../lib/harness.sh
source "$HERE/../lib/harness.sh"

# ---------------------------------------------------------------- prerequisites
cd "$HERE"
command -v node >/dev/null || die "node is not installed (need Node.js >= 20)"
node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' ||
  die "Node.js >= 20 is required (found $(node --version))"
rm -rf "$OUT" && mkdir -p "$LOGS" "$OUT/screenshots"

if [[ ! -x $CHROMIUM ]]; then
  [[ $(id -u) == 0 ]] || die "$CHROMIUM is missing and this is not root: apt-get install chromium"
  step "apt-get install chromium"
  { bounded 300 apt-get update && DEBIAN_FRONTEND=noninteractive bounded 900 apt-get install -y chromium fonts-liberation fonts-dejavu-core; } \
    >"$LOGS/apt-chromium.log" 2>&1 || { tail -n 20 "$LOGS/apt-chromium.log" >&2; die "installing chromium failed"; }
fi
# (Debian's wrapper script prints a harmless "unexpected operator" line on some machines.)
"$CHROMIUM" --version 2>/dev/null | grep -q Chromium || die "$CHROMIUM --version does not say Chromium"

# npm ci when node_modules is missing or was installed from another package-lock.json.
npm_ci() { # dir
  local dir=$1 stamp
  stamp=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [[ $(cat "$dir/node_modules/.e2e-lock-sha256" 2>/dev/null) != "$stamp" ]]; then
    step "npm ci in ${dir#"$REPO"/}"
    (cd "$dir" && bounded 900 npm ci --no-audit --no-fund) >"$LOGS/npm-ci-$(basename "$dir").log" 2>&1 ||
      { tail -n 30 "$LOGS/npm-ci-$(basename "$dir").log" >&2; die "npm ci failed in $dir"; }
    echo "$stamp" >"$dir/node_modules/.e2e-lock-sha256"
  fi
}
npm_ci "$HERE"
npm_ci "$HERE/docusaurus"
# tests/idp is shared with tests/compat (which installs it the same way): npm ci only when a
# package it declares is missing, so a run of one suite never pulls node_modules from under the other.
IDP_DIR="$REPO/tests/idp"
idp_deps_present() {
  (cd "$IDP_DIR" && node -e '
    const p = require("./package.json"), fs = require("fs");
    const names = Object.keys({ ...p.dependencies, ...p.devDependencies });
    process.exit(names.every((n) => fs.existsSync(`node_modules/${n}/package.json`)) ? 0 : 1);')
}
if ! idp_deps_present; then
  step "npm ci in tests/idp"
  (cd "$IDP_DIR" && bounded 600 npm ci --no-audit --no-fund) >"$LOGS/npm-ci-idp.log" 2>&1 ||
    { tail -n 30 "$LOGS/npm-ci-idp.log" >&2; die "npm ci failed in $IDP_DIR"; }
  idp_deps_present || die "npm ci did not install every package in $IDP_DIR/package.json"
fi

use_lectern_bin

# ---------------------------------------------------------------- ports, databases
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lectern-e2e.XXXXXX")
names=(main limited hostile book insights llm site idp)
mapfile -t ports < <(node lib/free-ports.mjs ${#names[@]})
((${#ports[@]} == ${#names[@]})) || die "could not pick free ports"
declare -A PORT PID
for i in "${!names[@]}"; do PORT[${names[$i]}]=${ports[$i]}; done
url() { echo "http://127.0.0.1:${PORT[$1]}"; }
RUN_ID=$(node -e 'console.log(require("crypto").randomBytes(4).toString("hex"))')
SECRET="e2e-$(node -e 'console.log(require("crypto").randomBytes(24).toString("hex"))')"
LLM_KEY="e2e-key-$RUN_ID"
DB_BOOK="e2e_${RUN_ID}_book"
create_dbs "$DB_BOOK"

# ---------------------------------------------------------------- servers
start() { # name log command...: in the background, its PID remembered for cleanup
  local name=$1; shift
  "$@" >"$LOGS/$name.log" 2>&1 </dev/null &
  PID[$name]=$!
  PIDS+=($!)
}
# Social sign-in settings a caller may have (a real GitHub app, a campus provider): never
# passed on; main and book get the test IdP's below. Every LECTERN_OIDC_* set in this
# environment is listed, whatever provider id it names.
social_unset=()
for v in GITHUB_CLIENT_ID GITHUB_CLIENT_SECRET LECTERN_GITHUB_AUTHORIZATION_URL LECTERN_GITHUB_TOKEN_URL \
  LECTERN_GITHUB_API_URL GOOGLE_CLIENT_ID GOOGLE_CLIENT_SECRET LECTERN_GOOGLE_DISCOVERY_URL \
  LECTERN_OIDC_PROVIDERS LECTERN_TRUSTED_PROVIDERS LECTERN_OAUTH_TIMEOUT $(compgen -e | grep '^LECTERN_OIDC_' || true); do
  social_unset+=(-u "$v")
done
start_lectern() { # name database-url [VAR=value...]: env -u so the caller's environment
  # (a model, a book, a rate-limit setting, a sign-in provider) cannot change what is tested;
  # VAR=value last wins.
  local name=$1 db=$2; shift 2
  start "$name" env -u LECTERN_LLM_BASE_URL -u LECTERN_LLM_MODEL -u LECTERN_LLM_API_KEY \
    -u LECTERN_BOOK_DIR -u LECTERN_BOOK_URL -u LECTERN_TRUSTED_ORIGINS -u BETTER_AUTH_TRUSTED_ORIGINS \
    -u LECTERN_ENV -u LECTERN_SECRET -u BETTER_AUTH_SECRETS -u LECTERN_ADDR -u LECTERN_PROFILE_SCHEMA \
    -u LECTERN_EMBEDDINGS -u LECTERN_EMBEDDING_MODEL \
    -u REDIS_URL -u LECTERN_TRUSTED_PROXIES -u LECTERN_TOP_K -u LECTERN_SMTP_URL -u LECTERN_MAIL_OUTBOX -u LECTERN_MAIL_FROM \
    "${social_unset[@]}" \
    DATABASE_URL="$db" BETTER_AUTH_SECRET="$SECRET" BETTER_AUTH_URL="$(url "$name")" \
    LECTERN_RATE_LIMIT=off LECTERN_INDEX_DIR="$WORK/index-$name" NO_COLOR=1 RUST_LOG=info "$@" \
    "$LECTERN_BIN" serve --addr "127.0.0.1:${PORT[$name]}"
}
wait_ready() { # name path
  bounded 60 node lib/wait-http.mjs "$1" "$(url "$1")$2" "${PID[$1]}" || {
    echo "---- last lines of $LOGS/$1.log" >&2
    tail -n 30 "$LOGS/$1.log" >&2 || true
    die "$1 did not start"
  }
}
site_origins="$(url site),http://localhost:${PORT[site]},http://book.test:${PORT[site]}"

step "starting servers (logs in $LOGS)"
start llm node fake-llm.mjs "${PORT[llm]}" "$LLM_KEY"
# The test IdP first (Lectern reads its discovery document): one client per provider, whose
# redirect URIs are main's and book's callbacks.
IDP_URL=$(url idp)
declare -A SOCIAL_ID SOCIAL_SECRET
for p in campus github; do SOCIAL_ID[$p]="e2e-$p" SOCIAL_SECRET[$p]="$p-secret-$RUN_ID"; done
IDP_CLIENTS=$(node -e '
  const [run, ...bases] = process.argv.slice(1);
  console.log(JSON.stringify(["campus", "github"].map((p) => ({
    client_id: `e2e-${p}`, client_secret: `${p}-secret-${run}`, redirect_uris: bases.map((b) => `${b}/api/auth/callback/${p}`),
  }))));' "$RUN_ID" "$(url main)" "$(url book)")
start idp env -C "$IDP_DIR" IDP_PORT="${PORT[idp]}" IDP_CLIENTS="$IDP_CLIENTS" node server.mjs
wait_ready idp /oidc/.well-known/openid-configuration
social_env=(
  LECTERN_OIDC_PROVIDERS=campus LECTERN_OIDC_CAMPUS_DISCOVERY_URL="$IDP_URL/oidc/.well-known/openid-configuration"
  LECTERN_OIDC_CAMPUS_CLIENT_ID="${SOCIAL_ID[campus]}" LECTERN_OIDC_CAMPUS_CLIENT_SECRET="${SOCIAL_SECRET[campus]}"
  LECTERN_OIDC_CAMPUS_NAME="Campus SSO"
  GITHUB_CLIENT_ID="${SOCIAL_ID[github]}" GITHUB_CLIENT_SECRET="${SOCIAL_SECRET[github]}"
  LECTERN_GITHUB_AUTHORIZATION_URL="$IDP_URL/github/login/oauth/authorize"
  LECTERN_GITHUB_TOKEN_URL="$IDP_URL/github/login/oauth/access_token" LECTERN_GITHUB_API_URL="$IDP_URL/github/api"
)
mkdir -p "$WORK/outbox-main"
start_lectern main "sqlite://$WORK/main.db" LECTERN_MAIL_OUTBOX="$WORK/outbox-main" "${social_env[@]}"
start_lectern limited "sqlite://$WORK/limited.db" LECTERN_RATE_LIMIT=on
start_lectern hostile "sqlite://$WORK/hostile.db" \
  LECTERN_LLM_BASE_URL="$(url llm)/v1" LECTERN_LLM_MODEL=fake LECTERN_LLM_API_KEY="$LLM_KEY"
mkdir -p "$WORK/outbox-book"
start_lectern book "$PG_BASE/$DB_BOOK" LECTERN_BOOK_DIR="$HERE/docusaurus/docs" LECTERN_MAIL_OUTBOX="$WORK/outbox-book" \
  LECTERN_BOOK_URL="$(url site)/docs" LECTERN_TRUSTED_ORIGINS="$site_origins" "${social_env[@]}"
# The author's dashboard on demo data: readers, questionnaires and questions, and an admin.
INSIGHTS_ADMIN_EMAIL="author-$RUN_ID@example.com" INSIGHTS_ADMIN_PASSWORD="author-password-$RUN_ID"
bounded 300 env -u LECTERN_BOOK_DIR -u LECTERN_BOOK_URL -u LECTERN_PROFILE_SCHEMA DATABASE_URL="sqlite://$WORK/insights.db" \
  LECTERN_INDEX_DIR="$WORK/index-insights" "$LECTERN_BIN" dev demo-data --readers 200 --days 60 \
  --admin-email "$INSIGHTS_ADMIN_EMAIL" --admin-password "$INSIGHTS_ADMIN_PASSWORD" >"$LOGS/demo-data.log" 2>&1 ||
  { tail -n 20 "$LOGS/demo-data.log" >&2; die "lectern dev demo-data failed"; }
start_lectern insights "sqlite://$WORK/insights.db"
wait_ready llm /requests
for n in main limited hostile book insights; do wait_ready "$n" /readyz; done

# The Docusaurus site, built against the book's Lectern (its script tag points there), then
# served as a reader would get it.
step "docusaurus build (LECTERN_URL=$(url book))"
(cd docusaurus && LECTERN_URL="$(url book)" SITE_URL="$(url site)" bounded 600 \
  node node_modules/@docusaurus/core/bin/docusaurus.mjs build --out-dir build) \
  >"$LOGS/docusaurus-build.log" 2>&1 || { tail -n 30 "$LOGS/docusaurus-build.log" >&2; die "docusaurus build failed"; }
start site env -C docusaurus LECTERN_URL="$(url book)" SITE_URL="$(url site)" node node_modules/@docusaurus/core/bin/docusaurus.mjs serve \
  --dir build --port "${PORT[site]}" --host 127.0.0.1 --no-open
wait_ready site /docs/intro

# ---------------------------------------------------------------- tests
export E2E_MAIN_OUTBOX="$WORK/outbox-main" E2E_BOOK_OUTBOX="$WORK/outbox-book"
export E2E_MAIN_URL E2E_LIMITED_URL E2E_HOSTILE_URL E2E_BOOK_LECTERN_URL E2E_SITE_URL E2E_LLM_URL E2E_IDP_URL E2E_ARTIFACTS
export E2E_INSIGHTS_URL=$(url insights) E2E_INSIGHTS_ADMIN_EMAIL=$INSIGHTS_ADMIN_EMAIL E2E_INSIGHTS_ADMIN_PASSWORD=$INSIGHTS_ADMIN_PASSWORD
E2E_MAIN_URL=$(url main) E2E_LIMITED_URL=$(url limited) E2E_HOSTILE_URL=$(url hostile)
E2E_BOOK_LECTERN_URL=$(url book) E2E_SITE_URL=$(url site) E2E_LLM_URL=$(url llm) E2E_IDP_URL=$IDP_URL E2E_ARTIFACTS=$OUT
step "playwright test (Chromium $("$CHROMIUM" --version 2>/dev/null | grep -o '[0-9][0-9.]*' | head -1))"
set +e
bounded 1800 node node_modules/@playwright/test/cli.js test --config playwright.config.mjs "$@" 2>&1 |
  tee "$LOGS/playwright.txt"
status=${PIPESTATUS[0]}
set -e
[[ -f $OUT/first-paint.json ]] && { echo "e2e: first paint and size:"; cat "$OUT/first-paint.json"; echo; }
# One plain closing line, "N passed, N failed", from Playwright's JSON report.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const s = r.stats || {};
  console.log(`e2e: ${s.expected ?? 0} passed, ${(s.unexpected ?? 0) + (s.flaky ?? 0)} failed`);
  if (s.skipped) { console.error(`e2e: ${s.skipped} test(s) skipped or not run: that counts as a failure`); process.exit(1); }' \
  "$OUT/results.json" || { echo "e2e: no usable results.json (did playwright finish?)"; status=1; }
step "tests $([[ $status == 0 ]] && echo passed || echo FAILED); screenshots in $OUT/screenshots"
exit "$status"
