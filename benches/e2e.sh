#!/usr/bin/env bash
# End-to-end benchmark (design §9): a lab of N devices with a fixed per-command latency and a
# login delay, the gateway in front of it, and wrk (Debian) driving POST /device/exec?wait.
# For each N and latency it prints commands/s and p50/p99 for
#   pooled    — the gateway with its session pool,
#   connect   — the gateway keeping no session (max_idle_time 0: a new login per command),
# each beside raw russh doing the same device work in the same run (the ceiling), and the
# ratios, plus the gateway's CPU per warm command (its /proc ticks over the pooled run).
# Absolute numbers are context; ratios are the result.
#
# Usage: benches/e2e.sh [--devices "1 10 100 1000"] [--latency "0 10"] [--login-delay-ms 1000]
#                       [--seconds 5] [--connections 1000]
# wrk keeps min(N, --connections) requests in flight: by default one per device, the same
# concurrency as raw russh's one loop per device, so the ratio compares like with like.
set -Eeuo pipefail
cd "$(dirname "$0")/.."
DEVICES="1 10 100 1000"; LATENCIES="0 10"; LOGIN_DELAY=1000; SECONDS_PER=5; CONNS=1000
while (($#)); do
  case "$1" in
    --devices) DEVICES="$2"; shift 2;;
    --latency) LATENCIES="$2"; shift 2;;
    --login-delay-ms) LOGIN_DELAY="$2"; shift 2;;
    --seconds) SECONDS_PER="$2"; shift 2;;
    --connections) CONNS="$2"; shift 2;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
done
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
source benches/common.sh
cargo build --release --quiet --bin netpulse --bench raw_ssh
bench_setup e2e
RAW=$(ls -t "$TARGET_DIR"/release/deps/raw_ssh-* | grep -v '\.d$' | head -1)
trap 'echo "e2e.sh: command failed at line $LINENO: $BASH_COMMAND" >&2' ERR

start_lab() { # devices latency
  local n=$1 lat=$2 port spread=() pid attempt
  ((n > 100)) && spread=(--spread-addrs)
  # The lab takes N consecutive ports. They start below Linux's ephemeral range (32768 up),
  # where outgoing connections (thousands in TIME_WAIT after a big run) take their ports;
  # a port still in use there makes the bind fail, and another range is tried.
  for attempt in 1 2 3 4 5; do
    port=$(( 20000 + RANDOM % 11000 ))
    "$BIN" lab --devices "$n" --base-port "$port" --latency-ms "$lat" --login-delay-ms "$LOGIN_DELAY" \
      --state-dir "$work/lab" "${spread[@]}" >"$work/lab.out" 2>"$work/lab.err" &
    pid=$!
    for _ in $(seq 1 600); do
      [[ $(grep -c '^ready' "$work/lab.out" || true) -ge $n ]] && break
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if (( $(grep -c '^ready' "$work/lab.out" || true) >= n )); then
      pids+=("$pid")
      grep '^ready' "$work/lab.out" | awk '{print $NF}' >"$work/targets"
      return 0
    fi
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    grep -q 'Address already in use' "$work/lab.err" || break
  done
  echo "e2e.sh: the lab of $n devices from port $port did not come up:" >&2
  tail -5 "$work/lab.err" >&2
  exit 1
}

start_gateway() { # max_idle_time
  local port; port=$(free_port)
  start_serve "$port" <<YAML
server: { listen: "127.0.0.1:$port", api_keys: ["$KEY"] }
connection_pool: { max_size: 2000, min_size: 0, max_idle_time: $1, connection_timeout: 60, max_connections_per_device: 1 }
worker: { pool_size: 256, max_connections: 2000, queue_size: 100000, timeout: 60 }
monitoring: { thresholds: { worker_queue_size: 1000 } }
database: { url: "sqlite://$work/jobs-$port.db" }
ssh: { known_hosts: "$work/known_hosts", host_key_policy: accept-any }
plugins: { dir: "$work/plugins" }
logging: { level: "warn" }
YAML
  GW="http://127.0.0.1:$port"
}

stop_last() { kill "${pids[-1]}" 2>/dev/null || true; wait "${pids[-1]}" 2>/dev/null || true; unset 'pids[-1]'; }

write_lua() { write_exec_lua "$work/targets" "$work/load.lua" "${1:-}"; }

wrk_run() { # connections seconds -> "rps p50 p99"
  wrk -t "$(( $1 < 2 ? 1 : 2 ))" -c "$1" -d "${2}s" --timeout 60s --latency -s "$work/load.lua" "$GW" >"$work/wrk.out" 2>&1 || true
  awk '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} END {print rps, p50, p99}' "$work/wrk.out"
}

# CPU the process has used, in clock ticks (utime + stime of /proc/PID/stat).
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
CLK_TCK=$(getconf CLK_TCK)

printf '%-6s %-4s %-9s %12s %10s %10s | %12s %10s %10s | %7s\n' N lat mode "gw cmds/s" "gw p50" "gw p99" "raw cmds/s" "raw p50" "raw p99" "gw/raw"
for lat in $LATENCIES; do
  for n in $DEVICES; do
    start_lab "$n" "$lat"
    write_lua
    conns=$(( n < CONNS ? n : CONNS ))
    # pooled: warm every device's session first, then measure.
    start_gateway 300
    # Warm every device's session first (each login takes the login delay), then measure.
    wrk_run "$conns" "$(( 2 + (n / conns + 1) * (LOGIN_DELAY / 1000 + 1) ))" >/dev/null
    gpid=${pids[-1]}; t0=$(cpu_ticks "$gpid")
    read -r grps gp50 gp99 < <(wrk_run "$conns" "$SECONDS_PER")
    t1=$(cpu_ticks "$gpid"); gcmds=$(awk '/requests in/ {print $1}' "$work/wrk.out")
    # cache hits: the same requests with the cache on (first pass fills it).
    write_lua ',\"cache\":{\"enabled\":true}'
    wrk_run "$conns" 1 >/dev/null
    read -r hrps hp50 hp99 < <(wrk_run "$conns" "$SECONDS_PER")
    write_lua
    raw=$("$RAW" --targets "$work/targets" --mode warm --seconds "$SECONDS_PER")
    rrps=$(sed -E 's/.*: ([0-9.]+) cmds.*/\1/' <<<"$raw"); rp50=$(sed -E 's/.*p50=([0-9.]+) ms.*/\1/' <<<"$raw"); rp99=$(sed -E 's/.*p99=([0-9.]+) ms.*/\1/' <<<"$raw")
    printf '%-6s %-4s %-9s %12s %10s %10s | %12s %9sms %8sms | %7s\n' "$n" "$lat" pooled "$grps" "$gp50" "$gp99" "$rrps" "$rp50" "$rp99" \
      "$(python3 -c "print(f'{float(\"${grps:-0}\")/max(float(\"${rrps:-0}\"),1e-9):.2f}')")"
    echo "       gateway CPU per warm command: $(python3 -c "print(f'{($t1-$t0)/$CLK_TCK*1e6/max(int(\"${gcmds:-0}\"),1):.0f} us ({$t1-$t0} ticks over ${gcmds:-0} commands)')")"
    # The HTTP ceiling: a bare axum handler (GET /health: no auth, no body, no job) on the same
    # server, middleware and cores.
    wrk -t "$(( conns < 2 ? 1 : 2 ))" -c "$conns" -d "${SECONDS_PER}s" --latency "$GW/health" >"$work/wrk.out" 2>&1 || true
    read -r arps ap50 ap99 < <(awk '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} END {print rps, p50, p99}' "$work/wrk.out")
    printf '%-6s %-4s %-9s %12s %10s %10s | %12s %10s %10s | %7s\n' "$n" "$lat" cache-hit "$hrps" "$hp50" "$hp99" "$arps" "$ap50" "$ap99" \
      "$(python3 -c "print(f'{float(\"${hrps:-0}\")/max(float(\"${arps:-0}\"),1e-9):.2f}')")"
    echo "       (cache-hit ceiling: bare axum GET /health; cache-hit/pooled-cache-off = $(python3 -c "print(f'{float(\"${hrps:-0}\")/max(float(\"${grps:-0}\"),1e-9):.1f}x')"))"
    stop_last
    # connect per command: no session is kept.
    start_gateway 0
    read -r crps cp50 cp99 < <(wrk_run "$conns" "$SECONDS_PER")
    raw=$("$RAW" --targets "$work/targets" --mode connect --seconds "$SECONDS_PER")
    rrps=$(sed -E 's/.*: ([0-9.]+) cmds.*/\1/' <<<"$raw"); rp50=$(sed -E 's/.*p50=([0-9.]+) ms.*/\1/' <<<"$raw"); rp99=$(sed -E 's/.*p99=([0-9.]+) ms.*/\1/' <<<"$raw")
    printf '%-6s %-4s %-9s %12s %10s %10s | %12s %9sms %8sms | %7s\n' "$n" "$lat" connect "$crps" "$cp50" "$cp99" "$rrps" "$rp50" "$rp99" \
      "$(python3 -c "print(f'{float(\"${crps:-0}\")/max(float(\"${rrps:-0}\"),1e-9):.2f}')")"
    echo "       pooled/connect-per-command throughput ratio: $(python3 -c "print(f'{float(\"${grps:-0}\")/max(float(\"${crps:-0}\"),1e-9):.1f}x')")"
    stop_last
    stop_last   # the lab
  done
done
