#!/bin/sh
# run.sh BUILD - make bench: how fast spendtop ingests a GenAI span export,
# and in how much memory, against baselines measured in the same run.
#
#   floor  bench/floor.c: the bare cJSON loop over the same file (parse each
#          line, walk the spans, sum tokens per model)
#   jq     the same sums with jq, when jq is installed
#
# spendtop runs `--once` with a fresh database each time: read the whole
# export, price it, store it, write it to SQLite, print the snapshot.
# Figures are ratios within this run (best of RUNS, interleaved), never
# absolute thresholds.
set -eu
BUILD=${1:-build}
RUNS=${RUNS:-5}
SPANS=${SPANS:-200000}
dir=$BUILD/bench
mkdir -p "$dir"
gen() { # gen N DAYS FILE
    [ -s "$3" ] || python3 bench/gen_otlp_genai.py --spans "$1" --days "$2" --out "$3"
}
# the benchmark file; the same rate over twice the time (twice the file);
# and twice the rate over the same 8 days (twice as dense)
small=$dir/spans-$SPANS.json
long=$dir/spans-$((SPANS * 2))-16d.json
dense=$dir/spans-$((SPANS * 2)).json
gen "$SPANS" 8 "$small"
gen "$((SPANS * 2))" 16 "$long"
gen "$((SPANS * 2))" 8 "$dense"
# the generator's last span is at 1795348800; replay the export as of then
now=1795348860
conf() { # conf FILE -> config path
    c=$dir/$(basename "$1" .json).toml
    printf '[[source]]\nname = "spans"\ntype = "otel_file"\npath = "%s"\n' "$PWD/$1" > "$c"
    echo "$c"
}
cs=$(conf "$small")
cl=$(conf "$long")
cd2=$(conf "$dense")
jqprog='reduce (inputs | .resourceSpans[].scopeSpans[].spans[] | [(.attributes[] | select(.key=="gen_ai.request.model") | .value.stringValue), ([.attributes[] | select(.key=="gen_ai.usage.input_tokens" or .key=="gen_ai.usage.output_tokens") | .value.intValue | tonumber] | add)]) as [$m, $n] ({}; .[$m] += $n)'
set -- floor -- "$BUILD/bench/floor" "$small" \
    :: spendtop -- "$BUILD/spendtop" --once -c "$cs" --db "{fresh}" --now "$now" \
    :: spendtop-long -- "$BUILD/spendtop" --once -c "$cl" --db "{fresh}" --now "$now" \
    :: spendtop-dense -- "$BUILD/spendtop" --once -c "$cd2" --db "{fresh}" --now "$now"
if command -v jq >/dev/null 2>&1; then
    set -- "$@" :: jq -- jq -n "$jqprog" "$small"
fi
export TIMEIT="$BUILD/bench/timeit"
echo "bench: $SPANS spans ($(du -h "$small" | cut -f1)), best of $RUNS runs"
python3 bench/measure.py "$RUNS" "$@" | awk -v n="$SPANS" '
    { t[$1] = $2; rss[$1] = $3 }
    END {
        printf "  %-12s %8.3f s  %10.0f spans/s  peak RSS %6.1f MiB\n", "floor", t["floor"], n / t["floor"], rss["floor"] / 1024
        printf "  %-12s %8.3f s  %10.0f spans/s  peak RSS %6.1f MiB\n", "spendtop", t["spendtop"], n / t["spendtop"], rss["spendtop"] / 1024
        if ("jq" in t)
            printf "  %-12s %8.3f s  %10.0f spans/s  peak RSS %6.1f MiB\n", "jq", t["jq"], n / t["jq"], rss["jq"] / 1024
        printf "  spendtop throughput / floor: %.2fx (target >= 0.90x)\n", t["floor"] / t["spendtop"]
        if ("jq" in t)
            printf "  spendtop throughput / jq:    %.2fx\n", t["jq"] / t["spendtop"]
        printf "  peak RSS (target < 64 MiB, independent of file size):\n"
        printf "    %6.1f MiB  %d spans over 8 days (the benchmark file)\n", rss["spendtop"] / 1024, n
        printf "    %6.1f MiB  %d spans over 16 days (twice the file; older than the 8-day retention is not kept)\n", rss["spendtop-long"] / 1024, 2 * n
        printf "    %6.1f MiB  %d spans over 8 days (twice as dense: more (series, minute) cells, bounded by series x 11,520)\n", rss["spendtop-dense"] / 1024, 2 * n
    }'

# Protobuf: the same spans converted (bench/otlp_topb: the file exporter's
# length-prefixed proto framing), then ingested by bench/otlp_ingest: the
# same decode-map-price-store for both encodings but the decoder (no
# database: it costs both the same), and with `decode` the decoders alone.
pb=$dir/spans-$SPANS.pb
[ -s "$pb" ] && [ "$pb" -nt "$small" ] || "$BUILD/bench/otlp_topb" "$small" "$pb"
echo "bench: protobuf vs JSON ingest of the same $SPANS spans ($(du -h "$pb" | cut -f1) protobuf), best of $RUNS runs"
python3 bench/measure.py "$RUNS" floor -- "$BUILD/bench/floor" "$small" \
    :: json -- "$BUILD/bench/otlp_ingest" json "$small" \
    :: pb -- "$BUILD/bench/otlp_ingest" pb "$pb" \
    :: json-decode -- "$BUILD/bench/otlp_ingest" json "$small" decode \
    :: pb-decode -- "$BUILD/bench/otlp_ingest" pb "$pb" decode | awk -v n="$SPANS" '
    { t[$1] = $2; rss[$1] = $3 }
    END {
        split("floor json pb json-decode pb-decode", k, " ")
        for (i = 1; i <= 5; i++)
            printf "  %-12s %8.3f s  %10.0f spans/s  peak RSS %6.1f MiB\n", k[i], t[k[i]], n / t[k[i]], rss[k[i]] / 1024
        printf "  protobuf ingest / JSON ingest:  %.2fx (aim >= 2x)\n", t["json"] / t["pb"]
        printf "  protobuf ingest / floor:        %.2fx\n", t["floor"] / t["pb"]
        printf "  JSON ingest / floor:            %.2fx\n", t["floor"] / t["json"]
        printf "  protobuf decode / JSON decode:  %.2fx (decoders and mapping alone)\n", t["json-decode"] / t["pb-decode"]
    }'

echo "bench: the dashboard"
"$BUILD/bench/tui_frame"
echo "bench: alert evaluation at incident scale"
"$BUILD/bench/alerts_round" 20000
idle=${IDLE_SECONDS:-60}
bench/idle.sh "demo (new records every 2 s)" "$idle" "$BUILD/spendtop" --demo
# a file source with nothing new arriving: the view only changes by the
# minute (--now: the clock runs on from the export's end, whose 8 days
# would otherwise be past the retention)
db=$dir/static.db
rm -f "$db" "$db-wal" "$db-shm"
"$BUILD/spendtop" --once -c "$cs" --db "$db" --now "$now" >/dev/null 2>&1
bench/idle.sh "spans already read, nothing new" "$idle" "$BUILD/spendtop" -c "$cs" --db "$db" --now "$now"
# a line appended to a followed file, to the screen (bench/live.py)
python3 bench/live.py "$SPANS spans read" "$BUILD/spendtop" -c "$cs" --db "$db" --now "$now"
# the same through a daemon: its commit, then the viewer's look
python3 bench/live.py --viewer "$SPANS spans read, a dashboard viewing a daemon" \
    "$BUILD/spendtop" -c "$cs" --db "$db" --now "$now"

# Many series: 10,000 tenants x 10 models, every pair a series (100,000),
# over 8 days: the dashboard and the daemon at rest, and a line appended to
# the screen, on the database a first --once made.
card_spans=${CARD_SPANS:-600000}
card=$dir/card-$card_spans.json
[ -s "$card" ] || python3 bench/gen_otlp_genai.py --spans "$card_spans" --days 8 \
    --tenants 10000 --models 10 --uniform --out "$card"
cc=$(conf "$card")
cdb=$dir/card.db
rm -f "$cdb" "$cdb-wal" "$cdb-shm"
echo "bench: 100,000 series (10,000 tenants x 10 models, $card_spans spans over 8 days)"
# once each (CARD_SPANS=16000000 makes a 15 GB file): the ingest into a new
# database, the bare cJSON loop over the same file, --once again on the
# database it made (what a restart reads), and the store that database
# loads into (bench/store_load: its bytes per bucket)
t() { "$BUILD/bench/timeit" "$@" 2>&1 >/dev/null | tail -1; }
ing=$(t "$BUILD/spendtop" --once -c "$cc" --db "$cdb" --now "$now")
flo=$(t "$BUILD/bench/floor" "$card")
again=$(t "$BUILD/spendtop" --once -c "$cc" --db "$cdb" --now "$now")
dbsize=$(cat "$cdb" "$cdb-wal" 2>/dev/null | wc -c)
cp "$cdb" "$dir/card-copy.db"
[ ! -f "$cdb-wal" ] || cp "$cdb-wal" "$dir/card-copy.db-wal"
loaded=$("$BUILD/bench/store_load" "$dir/card-copy.db")
rm -f "$dir/card-copy.db" "$dir/card-copy.db-wal" "$dir/card-copy.db-shm"
# (timeit: wall s, peak RSS KiB, CPU s, page faults - four fields each)
echo "$ing $flo $again $dbsize" | awk '{
    printf "  ingest      %8.3f s  peak RSS %7.1f MiB  (target <= 256 MiB)  CPU %.3f s  %d page faults\n", $1, $2 / 1024, $3, $4
    printf "  floor       %8.3f s  (the bare cJSON loop)  CPU %.3f s\n", $5, $7
    printf "  ingest / floor: %.2fx (target >= 0.90x)\n", $5 / $1
    printf "  2nd --once  %8.3f s  peak RSS %7.1f MiB  (target <= 1 s)  CPU %.3f s  %d page faults\n", $9, $10 / 1024, $11, $12
    printf "  database    %8.1f MiB\n", $13 / 1048576 }'
echo "  store loaded: $loaded"
bench/first_frame.sh "100,000 series" "$BUILD/spendtop" -c "$cc" --db "$cdb" --now "$now"
bench/idle.sh "100,000 series, dashboard" "$idle" "$BUILD/spendtop" -c "$cc" --db "$cdb" --now "$now"
READY="collecting from" bench/idle.sh "100,000 series, daemon" "$idle" \
    "$BUILD/spendtop" --daemon --no-hooks -c "$cc" --db "$cdb" --now "$now"
# a dashboard viewing a daemon that has budgets: a viewer makes a view
# each time the owner's facts move (its sources' times, each second), and
# the budgets' sums must not be made again with each
ccb=$dir/card-budgets.toml
{ cat "$cc"; printf '[[budget]]\nscope = "total"\nperiod = "month"\namount_usd = 100000\n'
  printf '[[budget]]\nscope = "tenant:tenant-00042"\nperiod = "day"\namount_usd = 5\n'; } > "$ccb"
"$BUILD/spendtop" --daemon --no-hooks -c "$ccb" --db "$cdb" --now "$now" 2>"$dir/owner.log" &
owner=$!
i=0
until grep -q "collecting from" "$dir/owner.log"; do
    i=$((i + 1)); [ $i -lt 600 ] || { echo "  the daemon did not start"; break; }
    sleep 0.1
done
bench/idle.sh "100,000 series, a dashboard viewing a daemon with budgets" "$idle" \
    "$BUILD/spendtop" -c "$ccb" --db "$cdb" --now "$now"
kill "$owner"; wait "$owner" || true
python3 bench/live.py "100,000 series" "$BUILD/spendtop" -c "$cc" --db "$cdb" --now "$now"
python3 bench/live.py --viewer "100,000 series, a dashboard viewing a daemon" \
    "$BUILD/spendtop" -c "$cc" --db "$cdb" --now "$now"
