#!/usr/bin/env bash
# Issue #4's Python comparison: warm `show version` throughput through NetPulse's session
# pool beside Netmiko (the most used Python library) holding one persistent session per
# device, against the same devices in the same run. Netmiko is installed from PyPI into a
# throwaway venv; its sessions run in one thread per device, which is how Python pools
# (Nornir, NetPulse upstream's workers) drive it.
#
#   benches/python_pool.sh [--devices 10] [--seconds 10] [--latency-ms 0] [--target HOST:PORT ...]
#
# By default both sides talk to our own lab (`netpulse lab`). `--target` (repeatable) points
# them at other SSH devices that take `show version` with admin/admin, such as an
# independent emulator, instead.
set -Eeuo pipefail
cd "$(dirname "$0")/.."
DEVICES=10; SECONDS_PER=10; LATENCY=0; TARGETS=()
while (($#)); do
  case "$1" in
    --devices) DEVICES="$2"; shift 2;;
    --seconds) SECONDS_PER="$2"; shift 2;;
    --latency-ms) LATENCY="$2"; shift 2;;
    --target) TARGETS+=("$2"); shift 2;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
done
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
source benches/common.sh
cargo build --release --quiet --bin netpulse
bench_setup pypool
trap 'echo "python_pool.sh: command failed at line $LINENO: $BASH_COMMAND" >&2' ERR

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check netmiko==4.8.0

if ((${#TARGETS[@]})); then
  printf '%s\n' "${TARGETS[@]}" >"$work/targets"
else
  port=$(free_port)
  "$BIN" lab --devices "$DEVICES" --base-port "$port" --latency-ms "$LATENCY" --login-delay-ms 0 \
    --state-dir "$work/lab" >"$work/lab.out" 2>/dev/null &
  pids+=($!)
  for _ in $(seq 1 300); do [[ $(grep -c '^ready' "$work/lab.out" || true) -ge $DEVICES ]] && break; sleep 0.1; done
  grep '^ready' "$work/lab.out" | awk '{print $NF}' >"$work/targets"
fi
n=$(wc -l <"$work/targets")

py=$("$work/venv/bin/python" - "$work/targets" "$SECONDS_PER" <<'PY'
import sys, threading, time
from netmiko import ConnectHandler

targets = [l.strip().rsplit(":", 1) for l in open(sys.argv[1]) if l.strip()]
seconds = float(sys.argv[2])
sessions = [ConnectHandler(device_type="cisco_ios", host=h, port=int(p), username="admin",
                           password="admin", fast_cli=True) for h, p in targets]
for s in sessions:  # warm: the first command is not part of the steady state
    s.send_command("show version")
counts = [0] * len(sessions)
lat = []
stop = time.perf_counter() + seconds
def loop(i):
    s = sessions[i]
    while time.perf_counter() < stop:
        t = time.perf_counter()
        out = s.send_command("show version")
        lat.append(time.perf_counter() - t)
        assert "uptime" in out.lower() or "version" in out.lower(), out[:200]
        counts[i] += 1
start = time.perf_counter()
threads = [threading.Thread(target=loop, args=(i,)) for i in range(len(sessions))]
for t in threads: t.start()
for t in threads: t.join()
total = time.perf_counter() - start
lat.sort()
print(f"{sum(counts) / total:.1f} {lat[len(lat) // 2] * 1000:.2f} {lat[int(len(lat) * 0.99)] * 1000:.2f}")
for s in sessions: s.disconnect()
PY
)
read -r prps pp50 pp99 <<<"$py"

http=$(free_port)
start_serve "$http" <<YAML
server: { listen: "127.0.0.1:$http", api_keys: ["$KEY"] }
connection_pool: { max_size: 2000, max_idle_time: 300, max_connections_per_device: 1 }
worker: { pool_size: 256, queue_size: 100000 }
database: { url: "sqlite://$work/jobs.db" }
ssh: { known_hosts: "$work/known_hosts", host_key_policy: accept-any }
plugins: { dir: "$work/plugins" }
logging: { level: "warn" }
YAML
write_exec_lua "$work/targets" "$work/load.lua"
threads=$(( n < 2 ? 1 : 2 ))
wrk -t "$threads" -c "$n" -d 3s --timeout 60s -s "$work/load.lua" "http://127.0.0.1:$http" >/dev/null 2>&1 || true
wrk -t "$threads" -c "$n" -d "${SECONDS_PER}s" --timeout 60s --latency -s "$work/load.lua" "http://127.0.0.1:$http" >"$work/wrk.out" 2>&1 || true
read -r grps gp50 gp99 < <(awk '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} END {print rps, p50, p99}' "$work/wrk.out")
errors=$(grep -E "Non-2xx|Socket errors" "$work/wrk.out" || true)

printf '%-28s %10s %10s %10s\n' "devices=$n, one session each" "cmds/s" p50 p99
printf '%-28s %10s %9sms %8sms\n' "netmiko 4.8.0 (threads)" "$prps" "$pp50" "$pp99"
printf '%-28s %10s %10s %10s\n' "netpulse (HTTP, pooled)" "$grps" "$gp50" "$gp99"
[ -n "$errors" ] && echo "wrk: $errors"
python3 -c "print(f'netpulse/netmiko: {float(\"${grps:-0}\")/max(float(\"${prps:-0}\"),1e-9):.1f}x')"
