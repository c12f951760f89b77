#!/usr/bin/env bash
# Benchmarks on loopback fake servers (needs python3; curl for the comparison). Builds the release
# binary first. Usage:
#   bench/run.sh [--quick] [--only startup|trip|latency|stream]...   tokenfactory against curl
#   bench/run.sh history [--runs N] [--exchanges N]                   recording cost, a 100,000-exchange history
#   bench/run.sh batch [--what batch|embed|both] [--lines N]          batch run / embed against a 64-slot server
#   bench/run.sh hostile [--runs N]                                   peak memory against endless streams
#   bench/run.sh session [--runs N] [--turns N]                       the interactive session on a terminal
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked >&2
case "${1:-}" in
  history) shift; exec python3 bench/history.py --binary target/release/tokenfactory "$@" ;;
  hostile) shift; exec python3 bench/hostile.py --binary target/release/tokenfactory "$@" ;;
  session) shift; exec python3 bench/session.py --binary target/release/tokenfactory "$@" ;;
  batch)
    shift
    cargo build --release --locked --example bench_server >&2
    exec python3 bench/batch.py --binary target/release/tokenfactory "$@" ;;
  *) exec python3 bench/bench.py --binary target/release/tokenfactory "$@" ;;
esac
