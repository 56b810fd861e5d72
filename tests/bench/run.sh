#!/usr/bin/env bash
# Benchmarks (not tests): library and CLI throughput on a 1 GiB file, the CLI
# against rage (built from crates.io into target/bench-tools, never committed),
# and the in-browser benchmark (tests/bench/browser.mjs) on 256 MiB.
# Usage: ./build.sh bench [SIZE_MIB] [BROWSER_MIB]   (defaults 1024, 256; 0 skips the browsers)
set -euo pipefail
cd "$(dirname "$0")/../.."
MIB=${1:-1024}
BROWSER_MIB=${2:-256}
RAGE_VERSION=0.12.1
TOOLS=$PWD/target/bench-tools
CLOAK=$PWD/target/release/cloak
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "library, one core, RustCrypto aes-gcm (the engine the WASM build has):"
cargo run --quiet --release -p cloak --example throughput -- "$MIB"
echo "library, one core, AWS-LC (feature native-aes, as the CLI is built):"
cargo run --quiet --release -p cloak --features native-aes --example throughput -- "$MIB"
echo "library, all cores, AWS-LC (features parallel and native-aes, as the CLI is built):"
cargo run --quiet --release -p cloak --features parallel,native-aes --example throughput -- "$MIB"

export CLOAK_PASSPHRASE="benchmark passphrase"
(cd "$work" && "$CLOAK" key new --out bench.key >/dev/null)
head -c "$((MIB << 20))" /dev/urandom >"$work/input.bin"
bytes=$(stat -c %s "$work/input.bin")
rate() { awk -v b="$bytes" -v s="$1" 'BEGIN { printf "%.0f MB/s (%.2f s)", b / s / 1e6, s }'; }
timed() { local t0 t1; t0=$(date +%s.%N); "$@"; t1=$(date +%s.%N); awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }'; }

cat "$work/input.bin" >/dev/null # warm the page cache
s=$(timed "$CLOAK" encrypt --key "$work/bench.key" -o "$work/input.cloak" "$work/input.bin")
echo "cli encrypt (file to file): $(rate "$s")"
s=$(timed "$CLOAK" decrypt --key "$work/bench.key" -o "$work/output.bin" "$work/input.cloak")
echo "cli decrypt (file to file): $(rate "$s")"
s=$(timed sh -c "\"$CLOAK\" encrypt --key \"$work/bench.key\" -o - \"$work/input.bin\" >/dev/null")
echo "cli encrypt (file to /dev/null, no disk writes): $(rate "$s")"
s=$(timed sh -c "\"$CLOAK\" decrypt --key \"$work/bench.key\" -o - \"$work/input.cloak\" >/dev/null")
echo "cli decrypt (file to /dev/null, no disk writes): $(rate "$s")"
cmp -s "$work/input.bin" "$work/output.bin" && echo "cli round trip: identical" || { echo "cli round trip: DIFFERENT"; exit 1; }
echo "(includes one Argon2id unlock, ~0.2 s, per command)"

if [[ ! -x "$TOOLS/bin/rage" ]]; then
  echo "building rage $RAGE_VERSION from crates.io into $TOOLS (once)"
  cargo install --quiet --root "$TOOLS" rage --version "$RAGE_VERSION"
fi
"$TOOLS/bin/rage-keygen" -o "$work/rage.key" 2>/dev/null
recipient=$(grep -o 'age1[a-z0-9]*' "$work/rage.key")
s=$(timed sh -c "\"$TOOLS/bin/rage\" -r $recipient -o - \"$work/input.bin\" >/dev/null")
echo "rage encrypt (file to /dev/null): $(rate "$s")"
"$TOOLS/bin/rage" -r "$recipient" -o "$work/input.age" "$work/input.bin"
s=$(timed sh -c "\"$TOOLS/bin/rage\" -d -i \"$work/rage.key\" -o - \"$work/input.age\" >/dev/null")
echo "rage decrypt (file to /dev/null): $(rate "$s")"
rm -f "$work/input.age" "$work/input.cloak" "$work/output.bin"

if ((BROWSER_MIB > 0)); then
  echo
  echo "in-browser benchmark, $BROWSER_MIB MiB"
  node tests/bench/browser.mjs "$BROWSER_MIB" 3
fi
