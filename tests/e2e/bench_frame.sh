#!/bin/sh
# bench_frame.sh - the dashboard benchmark (bench/tui_frame, run by make
# bench) still runs: 1,000 tenants x 3 models, 8 days, a planted incident
# of 20 tenants at 6x that fires one spend_anomaly each, frames drawn at
# 200x60. Its timings are make bench's business; this checks it works.
set -eu
out=$("$BUILD/bench/tui_frame") || { echo "FAIL: tui_frame exited $?"; exit 1; }
printf '%s\n' "$out"
printf '%s\n' "$out" | grep -q "frame at 200x60: .* (20 alerts firing)" ||
    { echo "FAIL: expected 20 alerts firing and a drawn frame"; exit 1; }
echo "bench_frame: ok"
