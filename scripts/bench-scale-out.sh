#!/usr/bin/env bash
# Scale-out throughput: the same inputs through `rhetor submit` and 1, 2, 4 … `rhetor worker`
# processes on a NATS JetStream queue, into PostgreSQL, on this machine. Starts its own
# nats-server and PostgreSQL (loopback, throwaway folders) and stops them at the end.
#
#   scripts/bench-scale-out.sh INPUT [WORKERS...]      (default WORKERS: 1 2 4)
#
# INPUT: anything `rhetor submit` reads (e.g. a JSONL of real articles). Uses target/release/rhetor
# (build it with `cargo build --release -p rhetor-cli`) or $RHETOR. Each worker runs one job at a
# time on one encoder thread (`--concurrency 1 --threads 1`), so N workers use N cores.
# Prints one line per run: workers, articles, seconds from the first worker's start to the last
# article stored, articles/s, scaling efficiency against one worker, and the workers' own split
# of a job's time (analysis, store) from their final stats lines. docs/scaling.md has the results.
set -euo pipefail
cd "$(dirname "$0")/.."
INPUT=${1:?usage: scripts/bench-scale-out.sh INPUT [WORKERS...]}
shift
WORKERS=("$@")
[ ${#WORKERS[@]} -gt 0 ] || WORKERS=(1 2 4)
RHETOR=${RHETOR:-target/release/rhetor}
[ -x "$RHETOR" ] || { echo "no $RHETOR: cargo build --release -p rhetor-cli" >&2; exit 2; }
NATS=$(command -v nats-server || echo /usr/sbin/nats-server)
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
tmp=$(mktemp -d)
as_pg=()
if [ "$(id -u)" -eq 0 ]; then as_pg=(runuser -u postgres --); chown postgres "$tmp"; fi
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$tmp/pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

pgport=$((20000 + RANDOM % 20000))
"${as_pg[@]}" "$PGBIN/initdb" -D "$tmp/pg" -U rhetor -A trust >/dev/null
"${as_pg[@]}" "$PGBIN/pg_ctl" -D "$tmp/pg" -l "$tmp/pg.log" -w \
  -o "-p $pgport -k $tmp -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
psql() { "$PGBIN/psql" -h 127.0.0.1 -p "$pgport" -U rhetor -qtAX "$@"; }

one=""
echo "workers articles seconds articles/s efficiency analysis_ms/job store_ms/job db_kb/article"
for w in "${WORKERS[@]}"; do
  natsport=$((40000 + RANDOM % 20000))
  rm -rf "$tmp/js"
  "$NATS" -js -a 127.0.0.1 -p "$natsport" -sd "$tmp/js" >/dev/null 2>&1 &
  natspid=$!
  pids+=("$natspid")
  for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$natsport) 2>/dev/null && break; sleep 0.1; done
  db="bench_w$w"
  psql -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  url="postgresql://rhetor@127.0.0.1:$pgport/$db"
  n=$("$RHETOR" submit --nats "nats://127.0.0.1:$natsport" -q --format json "$INPUT" |
    sed -n 's/.*"submitted": \([0-9]*\).*/\1/p')
  start=$(date +%s.%N)
  wpids=()
  for i in $(seq "$w"); do
    "$RHETOR" worker --nats "nats://127.0.0.1:$natsport" --postgres "$url" --concurrency 1 \
      --threads 1 --exit-when-idle 2 --stats-every 0 2>"$tmp/w$w-$i.log" &
    wpids+=($!)
  done
  # Done when every submitted article is stored (the workers' idle wait is not counted).
  until [ "$(psql -d "$db" -c 'SELECT count(*) FROM articles' 2>/dev/null || echo 0)" -ge "$n" ]; do
    sleep 0.1
  done
  end=$(date +%s.%N)
  wait "${wpids[@]}"
  kill "$natspid" 2>/dev/null || true
  secs=$(echo "$end - $start" | bc -l)
  rate=$(echo "$n / $secs" | bc -l)
  [ -n "$one" ] || one=$rate
  eff=$(echo "$rate / ($w * $one)" | bc -l)
  split=$(cat "$tmp"/w"$w"-*.log | grep 'stopped; totals' |
    sed -n 's/.*analysis \([0-9]*\) ms, store \([0-9]*\) ms.*/\1 \2/p' |
    awk '{a+=$1; s+=$2; k++} END {if (k) printf "%.0f %.0f", a/k, s/k}')
  kb=$(psql -d "$db" -c "SELECT (pg_database_size('$db') - pg_database_size('postgres')) / 1024 / $n")
  printf '%s %s %.1f %.2f %.2f %s %s\n' "$w" "$n" "$secs" "$rate" "$eff" "$split" "$kb"
done
