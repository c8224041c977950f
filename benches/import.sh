#!/usr/bin/env bash
# The import benchmark (part of `make bench`): generates exports of N messages (default
# 1,000,000) in Telegram JSON, DiscordChatExporter JSON and Slack export form with the
# project's own generator, imports each into a new store with the release `hearth`, and
# runs the chat-analytics CLI (npm) on the same Telegram and Discord files. Prints one
# markdown table: hearth's wall time until the store is ready for the dashboard and for
# search (the JSON summary is printed) and until the process ends (every index built), CPU
# time (user + system, which a busy machine changes much less than the wall time), peak
# memory (RSS), messages per second, and the ratio.
set -euo pipefail

messages=${HEARTH_BENCH_MESSAGES:-1000000}
target=${CARGO_TARGET_DIR:?CARGO_TARGET_DIR must be set (make bench sets it)}
tools=${HEARTH_TOOLS_DIR:-$HOME/.cache/hearth/tools}
chat_analytics_version=1.1.2
chat_analytics_dir=$tools/chat-analytics-$chat_analytics_version
# HEARTH_BENCH_BIN_DIR: a folder holding an already built release `hearth` and
# `generate_export` to measure instead of building them (the Cargo target folder may be
# shared with other checkouts, whose builds overwrite target/release/hearth).
bin_dir=${HEARTH_BENCH_BIN_DIR:-}
# HEARTH_BENCH_SKIP_CHAT_ANALYTICS=1: measure hearth only (chat-analytics takes many
# minutes per file on a busy machine); its rows then say "not run".
skip_chat_analytics=${HEARTH_BENCH_SKIP_CHAT_ANALYTICS:-}
hearth=${bin_dir:-$target/release}/hearth
generate=${bin_dir:-$target/release/examples}/generate_export

command -v /usr/bin/time >/dev/null || { echo "bench: /usr/bin/time is needed (apt-get install time)"; exit 1; }
[ -n "$bin_dir" ] || cargo build --release --bin hearth --example generate_export
if [ -z "$skip_chat_analytics" ] && [ ! -x "$chat_analytics_dir/node_modules/.bin/chat-analytics" ]; then
  mkdir -p "$chat_analytics_dir"
  (cd "$chat_analytics_dir" && npm install --no-audit --no-fund --no-save "chat-analytics@$chat_analytics_version" >/dev/null)
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Runs a command under /usr/bin/time; prints "seconds peak_megabytes cpu_seconds".
measure() {
  /usr/bin/time -f '%e %M %U %S' -o "$work/time" "$@" >"$work/out" 2>"$work/err" || { cat "$work/err" >&2; return 1; }
  awk '{ printf "%s %.0f %.2f\n", $1, $2 / 1024, $3 + $4 }' "$work/time"
}

# Runs `hearth ... import --json`; prints "ready_seconds seconds peak_megabytes cpu_seconds".
# Ready: when the JSON summary is out (the import has committed; the store is ready for the
# dashboard and for search). Seconds: when the process ends, after it built the indexes a
# large import leaves for after its commit (the archive browser's, the profile's, the key).
measure_import() {
  python3 - "$work/out" "$work/err" "$@" <<'PY'
import os, subprocess, sys, time
out_path, err_path, command = sys.argv[1], sys.argv[2], sys.argv[3:]
start = time.monotonic()
ready = None
with open(out_path, "wb") as out, open(err_path, "wb") as err:
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=err)
    for line in child.stdout:
        out.write(line)
        # The summary is pretty-printed: its last line is a "}" alone at the left margin.
        if ready is None and line.rstrip() == b"}":
            ready = time.monotonic() - start
    _, status, usage = os.wait4(child.pid, 0)
seconds = time.monotonic() - start
if status != 0 or ready is None:
    sys.stderr.write(open(err_path).read())
    sys.exit(1)
print(f"{ready:.2f} {seconds:.2f} {usage.ru_maxrss / 1024:.0f} {usage.ru_utime + usage.ru_stime:.2f}")
PY
}

# The machine's load average (1, 5 and 15 minutes): on a shared machine it explains the wall times.
load_average() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown; }
load_at_start=$(load_average)

formats=$("$hearth" import --help | tr -d ' ' | grep -o 'possiblevalues:[a-z,]*' | cut -d: -f2 || true)
echo "| export ($messages messages) | tool | wall time: ready for dashboard and search | wall time: all indexes built (process ends) | CPU (user + sys) | peak memory | messages/s (ready) | messages/s (all built) | time ÷ hearth's (all built) |"
echo "|---|---|---|---|---|---|---|---|---|"
for format in telegram discord slack; do
  case ",$formats," in *",$format,"*) ;; *) echo "| $format | hearth | not measured: this build has no $format importer | | | | | | |"; continue ;; esac
  input=$work/export-$format
  [ "$format" = slack ] || input=$input.json
  "$generate" "$format" "$messages" "$input"
  read -r ready seconds megabytes cpu < <(measure_import "$hearth" --db "$work/$format.sqlite" import "$input" --format "$format" --json)
  imported=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["messages"])' "$work/out")
  ready_rate=$(python3 -c "print(round($imported / max($ready, 0.01)))")
  rate=$(python3 -c "print(round($imported / max($seconds, 0.01)))")
  echo "| $format | hearth import | ${ready} s | ${seconds} s | ${cpu} s | ${megabytes} MB | $ready_rate | $rate | 1.00 |"
  if [ "$format" != slack ] && [ -n "$skip_chat_analytics" ]; then
    echo "| $format | chat-analytics $chat_analytics_version | not run (HEARTH_BENCH_SKIP_CHAT_ANALYTICS) | | | | | | |"
  elif [ "$format" != slack ]; then
    if read -r ca_seconds ca_megabytes ca_cpu < <(measure "$chat_analytics_dir/node_modules/.bin/chat-analytics" -p "$format" -i "$input" -o "$work/report.html"); then
      ratio=$(python3 -c "print(round($ca_seconds / max($seconds, 0.01), 2))")
      echo "| $format | chat-analytics $chat_analytics_version | (report written) | ${ca_seconds} s | ${ca_cpu} s | ${ca_megabytes} MB | | $(python3 -c "print(round($imported / max($ca_seconds, 0.01)))") | $ratio |"
    else
      echo "| $format | chat-analytics $chat_analytics_version | failed (see above) | | | | | | |"
    fi
  fi
  rm -rf "$input" "$work/$format.sqlite"*
done
echo
echo "Load average (1, 5, 15 min): $load_at_start at the start, $(load_average) at the end."
