#!/usr/bin/env bash
# Benchmarks tokenfactory against curl on a loopback fake server, in the same run.
# Usage: bench/run.sh [--quick] [--only startup|trip|latency|stream]...
#        (needs python3 and curl; builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked >&2
exec python3 bench/bench.py --binary target/release/tokenfactory "$@"
