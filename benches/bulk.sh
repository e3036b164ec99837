#!/usr/bin/env bash
# Bulk benchmark (issue 6): a lab of N devices (spread over loopback addresses), the gateway,
# and the same work done two ways in the same run:
#   single — N single execs posted as fast as 16 client threads can, until every job ended;
#   bulk   — one POST /device/bulk of the N devices (no strategy: one wave), until the batch ends.
# Prints commands/s for each, their ratio, and the gateway's peak RSS (VmHWM) after each.
# Each device is distinct, so with connection_pool.max_size below N every job logs in anew
# (the pool evicts least-recently-used sessions) on both paths alike.
# After each bulk, the ceiling: raw russh (benches/raw_ssh.rs --mode once) logging in to the
# same devices (waiting for the prompt, paging off) and running the command, at most as many
# devices at a time as the bulk runs (the workers' bulk share, capped by max_size) and under
# the same login limit; then bulk wall / raw wall.
#
# Usage: benches/bulk.sh [--devices "1000 10000"] [--modes "single bulk"]
#          [--login-delay-ms MS] [--latency-ms MS] [--max-size N] [--workers N]
#          [--max-concurrent-logins N|off] [--login-rate R|off]
# --max-concurrent-logins and --login-rate set connection_pool's keys (unset: their defaults,
# 64 and off); `off` lifts the concurrency bound to its maximum (100000) and the rate to null.
set -euo pipefail
cd "$(dirname "$0")/.."
DEVICES="1000 10000"; MODES="single bulk"; LOGIN_DELAY=0; LATENCY=0; MAX_SIZE=50; WORKERS=20
MAX_LOGINS=""; LOGIN_RATE=""
while (($#)); do
  case "$1" in
    --devices) DEVICES="$2"; shift 2;;
    --modes) MODES="$2"; shift 2;;
    --login-delay-ms) LOGIN_DELAY="$2"; shift 2;;
    --latency-ms) LATENCY="$2"; shift 2;;
    --max-size) MAX_SIZE="$2"; shift 2;;
    --workers) WORKERS="$2"; shift 2;;
    --max-concurrent-logins) MAX_LOGINS="$2"; shift 2;;
    --login-rate) LOGIN_RATE="$2"; shift 2;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
done
# The config's spelling of the two login keys, and raw_ssh's flags for the same limit.
logins_yaml=""; raw_logins=(--max-concurrent-logins "${MAX_LOGINS:-64}" --login-rate "${LOGIN_RATE:-off}")
case "$MAX_LOGINS" in
  "") ;;
  off) logins_yaml+=", max_concurrent_logins: 100000";;
  *) logins_yaml+=", max_concurrent_logins: $MAX_LOGINS";;
esac
case "$LOGIN_RATE" in
  ""|off) logins_yaml+=", login_rate: null";;
  *) logins_yaml+=", login_rate: $LOGIN_RATE";;
esac
# Bulk jobs hold at most the bulk share of the workers (src/jobs/lanes.rs), and sessions at
# most max_size: that is the bulk's concurrency, and the ceiling's.
quarter=$((WORKERS / 4)); ((quarter >= 1)) || quarter=1
CONCURRENCY=$((WORKERS - quarter)); ((CONCURRENCY >= 1)) || CONCURRENCY=1
((CONCURRENCY <= MAX_SIZE)) || CONCURRENCY=$MAX_SIZE
source benches/common.sh
cargo build --release --quiet --bin netpulse --bench raw_ssh
bench_setup bulk
RAW=$(ls -t "$TARGET_DIR"/release/deps/raw_ssh-* | grep -v '\.d$' | head -1)
echo "# lab login delay ${LOGIN_DELAY} ms, latency ${LATENCY} ms; max_size $MAX_SIZE, workers $WORKERS (bulk concurrency $CONCURRENCY); max_concurrent_logins ${MAX_LOGINS:-64 (default)}, login_rate ${LOGIN_RATE:-off (default)}"

run_one() { # mode devices
  local mode=$1 n=$2 port lab_port
  lab_port=$(free_port)
  "$BIN" lab --devices "$n" --base-port "$lab_port" --state-dir "$work/lab" --spread-addrs \
    --login-delay-ms "$LOGIN_DELAY" --latency-ms "$LATENCY" >"$work/lab.out" 2>/dev/null &
  pids+=($!)
  for _ in $(seq 1 1200); do [[ $(grep -c '^ready' "$work/lab.out" || true) -ge $n ]] && break; sleep 0.1; done
  grep '^ready' "$work/lab.out" | awk '{print $NF}' >"$work/targets"
  port=$(free_port)
  start_serve "$port" <<YAML
server: { listen: "127.0.0.1:$port", api_keys: ["$KEY"] }
connection_pool: { max_size: $MAX_SIZE, min_size: 0, connection_timeout: 60, max_connections_per_device: 1$logins_yaml }
worker: { pool_size: $WORKERS, max_connections: $MAX_SIZE, queue_size: $((n > 1000 ? n : 1000)), timeout: 120, sealing_key_file: "$work/sealing.key" }
database: { url: "sqlite://$work/jobs-$port.db" }
ssh: { known_hosts: "$work/known_hosts", host_key_policy: accept-any }
plugins: { dir: "$work/plugins" }
logging: { level: "warn" }
YAML
  local gw=${pids[-1]}
  python3 - "$mode" "http://127.0.0.1:$port" "$KEY" "$work/targets" "$gw" <<'PY'
import json, sys, time, urllib.request, concurrent.futures
mode, base, key, targets, pid = sys.argv[1:]
hosts = [l.strip().rsplit(":", 1) for l in open(targets) if l.strip()]
def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method,
        headers={"X-API-KEY": key, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return r.status, r.headers, json.loads(r.read() or b"null")
args = {"device_type": "cisco_ios", "username": "admin", "password": "admin"}
start = time.monotonic()
if mode == "bulk":
    _, _, accepted = call("POST", "/device/bulk", {"connection_args": args, "command": "show version",
        "devices": [{"host": h, "port": int(p)} for h, p in hosts]})
    bid = accepted["batch_id"]
    while True:
        _, _, b = call("GET", f"/batches/{bid}")
        if b["status"] not in ("running",):
            break
        time.sleep(0.1)
    done = b["counts"]
else:
    def post(hp):
        h, p = hp
        for _ in range(600):
            try:
                return call("POST", "/device/exec", {"connection_args": dict(args, host=h, port=int(p)), "command": "show version"})
            except urllib.error.HTTPError as e:
                if e.code != 429: raise
                time.sleep(0.05)
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        list(pool.map(post, hosts))
    while True:
        busy = sum(int(call("GET", f"/jobs?status={s}&limit=1")[1]["X-Total-Count"]) for s in ("queued", "started"))
        if busy == 0: break
        time.sleep(0.5)
    done = {s: int(call("GET", f"/jobs?status={s}&limit=1")[1]["X-Total-Count"]) for s in ("finished", "failed")}
elapsed = time.monotonic() - start
hwm = [l.split()[1] for l in open(f"/proc/{pid}/status") if l.startswith("VmHWM")][0]
print(f"{mode:6} N={len(hosts)}  {len(hosts)/elapsed:8.1f} commands/s  {elapsed:7.2f} s  peak RSS {int(hwm)//1024} MiB  jobs {done}")
PY
  kill "$gw" 2>/dev/null || true; wait "$gw" 2>/dev/null || true
  if [[ $mode == bulk ]]; then
    # The ceiling on the same lab, the gateway gone.
    "$RAW" --targets "$work/targets" --mode once --concurrency "$CONCURRENCY" "${raw_logins[@]}"
  fi
  kill "${pids[-2]}" 2>/dev/null || true; wait "${pids[-2]}" 2>/dev/null || true
  pids=()
}

for n in $DEVICES; do
  for mode in $MODES; do run_one "$mode" "$n" | tee -a "$work/out"; done
done
if [[ " $MODES " == *" single "* && " $MODES " == *" bulk "* ]]; then
  echo "--- bulk / single (commands/s), same run:"
  awk '/^(single|bulk) /{r[$1" "$2]=$3} END {for (k in r) if (k ~ /^bulk/) {split(k,a," "); s=r["single "a[2]]; if (s>0) printf "%s  bulk/single = %.2f\n", a[2], r[k]/s}}' "$work/out"
fi
if [[ " $MODES " == *" bulk "* ]]; then
  echo "--- bulk wall / raw russh wall (the ceiling), same run:"
  awk '/^bulk /{n=$2; w[n]=$5} /^raw once/{split($3,d,"="); r["N="d[2]]=$(NF-3)} END {for (n in w) if (r[n]>0) printf "%s  bulk %.2f s / raw %.2f s = %.2f\n", n, w[n], r[n], w[n]/r[n]}' "$work/out"
fi
