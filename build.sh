#!/usr/bin/env bash
# Cloak's one build entry point.
#   ./build.sh          build the release CLI (target/release/cloak) and the WASM package
#   ./build.sh test     install whatever is missing, then run every check and test
#   ./build.sh test unit|rust|e2e [chromium|firefox]   one tier of them
#   ./build.sh bench    throughput benchmarks (not tests)
#   ./build.sh fuzz [S] run each fuzz target for S seconds (default 60; needs nightly)
#   ./build.sh vectors  regenerate tests/vectors (only when the format changes)
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
WASM_OUT=extension/lib/wasm

log() { printf '\n==> %s\n' "$*" >&2; }

# The wasm-bindgen CLI must match the crate version in Cargo.lock exactly.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

ensure_rust_tools() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "installing the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  local want; want=$(wasm_bindgen_version)
  if [[ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $want" ]]; then
    log "installing wasm-bindgen-cli $want (a few minutes, once)"
    # Not --locked: a locked dependency was once missing from the registry.
    cargo install wasm-bindgen-cli --version "$want" --force
  fi
}

ensure_test_tools() {
  local missing=()
  [[ -x /usr/lib/chromium/chromium ]] || missing+=(chromium)
  [[ -x /usr/lib/firefox-esr/firefox-esr ]] || missing+=(firefox-esr)
  if ((${#missing[@]})); then
    log "installing ${missing[*]} from Debian"
    local sudo=""; [[ $(id -u) -eq 0 ]] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  if [[ ! -d node_modules/puppeteer-core || package-lock.json -nt node_modules/.package-lock.json ]]; then
    log "installing npm packages"
    PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund
  fi
  if ! python3 -c 'from cryptography.hazmat.primitives.hpke import Suite' 2>/dev/null; then
    log "installing Python's cryptography package"
    python3 -m pip install --quiet 'cryptography>=47'
  fi
  if ! python3 -c 'import copyparty' 2>/dev/null; then
    log "installing copyparty (a real file server for the upload tests)"
    python3 -m pip install --quiet 'copyparty>=1.20'
  fi
}

build_cli() {
  log "building the release CLI"
  cargo build --release -p cloak --features cli
}

build_wasm() {
  log "building the WASM package"
  cargo build --release -p cloak --features wasm --target wasm32-unknown-unknown
  wasm-bindgen --target web --out-dir "$WASM_OUT" --out-name cloak \
    target/wasm32-unknown-unknown/release/cloak.wasm
}

# The vector harness's bundle (tests/wasm/pkg/): the same crate with the
# chunk-level exports the shipped bundle leaves out (feature wasm-test-exports),
# in its own target directory so the two builds do not undo each other.
build_test_wasm() {
  log "building the test WASM package (tests/wasm/pkg)"
  cargo build --release -p cloak --features wasm-test-exports --target wasm32-unknown-unknown --target-dir target/wasm-test
  wasm-bindgen --target web --out-dir tests/wasm/pkg --out-name cloak \
    target/wasm-test/wasm32-unknown-unknown/release/cloak.wasm
}

# dist/chrome and dist/firefox: the manifest and extension/, plus the packages.
stage_extension() {
  log "staging the extension in dist/"
  rm -rf dist
  for target in chrome firefox; do
    mkdir -p "dist/$target"
    cp manifest.json "dist/$target/"
    cp -r extension "dist/$target/"
    find "dist/$target" -name '*.d.ts' -delete
  done
  # Per-browser manifest overlays, platform module and packages.
  python3 extension/platform/stage.py dist
}

build() {
  ensure_rust_tools
  build_cli
  build_wasm
  stage_extension
}

run_lint() {
  log "rustfmt"
  cargo fmt --all -- --check
  log "clippy"
  cargo clippy --workspace --all-targets --features cloak/cli,cloak/wasm -- -D warnings
  cargo clippy -p cloak --features wasm --target wasm32-unknown-unknown -- -D warnings
  log "eslint"
  npx eslint .
  log "web-ext lint (Firefox package)"
  npx web-ext lint --source-dir dist/firefox --warnings-as-errors
}

# The fast tier: extension modules and the WASM build straight in Node.
run_unit() {
  log "unit tests (Node: lib/ modules, every vector through the WASM build)"
  node --test --test-reporter=dot tests/unit/
}

run_rust() {
  log "Rust tests (unit, protocol, vectors, CLI)"
  cargo test --workspace --features cloak/cli
  log "vectors, independent Python implementation"
  python3 tests/vectors/verify.py | tail -n 1
}

run_e2e() {
  log "browser tests (headless ${CLOAK_BROWSERS:-Chromium and Firefox})"
  # TAP as before, then a summary of the real failures with their messages
  # (tests/lib/failure-summary.mjs says why).
  node --test --test-concurrency=1 \
    --test-reporter=tap --test-reporter-destination=stdout \
    --test-reporter=./tests/lib/failure-summary.mjs --test-reporter-destination=stdout \
    tests/e2e/ tests/wasm/ tests/staging/
}

# ./build.sh test [unit|rust|e2e|all] [chromium|firefox]
run_tests() {
  local part=${1:-all} started=$SECONDS
  if [[ -n "${2:-}" ]]; then export CLOAK_BROWSERS=$2; fi
  ensure_test_tools
  build
  build_test_wasm
  case "$part" in
    unit) run_unit ;;
    rust) run_rust ;;
    e2e) run_e2e ;;
    all) run_lint; run_unit; run_rust; run_e2e ;;
    *) echo "usage: ./build.sh test [unit|rust|e2e|all] [chromium|firefox]" >&2; exit 2 ;;
  esac
  log "all checks passed in $((SECONDS - started)) s"
}

case "${1:-build}" in
  build) build ;;
  test) run_tests "${@:2}" ;;
  bench) ensure_test_tools; build; exec bash tests/bench/run.sh "${@:2}" ;;
  fuzz) exec bash crate/fuzz/run.sh "${@:2}" ;;
  vectors) cargo run -q -p cloak-vector-generator -- tests/vectors ;;
  *) echo "usage: ./build.sh [build|test [unit|rust|e2e] [browser]|bench|fuzz [SECONDS]|vectors]" >&2; exit 2 ;;
esac
