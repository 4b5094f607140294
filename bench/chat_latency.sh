#!/usr/bin/env bash
# Chat latency benchmark: alice's send -> bob's display over loopback, median and p99 over
# 1,000 messages, with the relay-only round trip as the baseline in the same run.
# Usage: bench/chat_latency.sh [messages]   (BUILD_DIR=build)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
cmake --build "$BUILD_DIR" --target chat_latency -j "${JOBS:-2}" >/dev/null
"$BUILD_DIR/bench/chat/chat_latency" --messages "${1:-1000}"
