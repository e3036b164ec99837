#!/usr/bin/env bash
# Issue #2's figure: 100 sequential `show version` execs through the API against one lab
# device (each waits for its job), beside the same 100 commands over one raw russh session,
# in the same run. Prints both, for the gateway with its session pool and with no pool
# (max_idle_time 0: a new login per command).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100}
source benches/common.sh
cargo build --release --quiet --bin netpulse --bench raw_ssh
bench_setup seq
RAW=$(ls -t "$TARGET_DIR"/release/deps/raw_ssh-* | grep -v '\.d$' | head -1)
LAB=$(free_port)
"$BIN" lab --devices 1 --base-port "$LAB" --state-dir "$work/lab" >"$work/lab.out" 2>/dev/null &
pids+=($!)
until grep -q '^ready' "$work/lab.out"; do sleep 0.1; done
echo "127.0.0.1:$LAB" >"$work/targets"
run_gateway() { # max_idle_time
  local http; http=$(free_port)
  start_serve "$http" <<YAML
server: { listen: "127.0.0.1:$http", api_keys: ["$KEY"] }
connection_pool: { max_idle_time: $1 }
database: { url: "sqlite://$work/jobs-$http.db" }
ssh: { known_hosts: "$work/known_hosts", host_key_policy: accept-any }
plugins: { dir: "$work/plugins" }
logging: { level: "warn" }
YAML
  local pid=${pids[-1]}
  python3 - "$http" "$LAB" "$N" "$KEY" <<'PY'
import http.client, json, sys, time, statistics
http_port, lab_port, n, key = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
body = json.dumps({"connection_args": {"device_type": "cisco_ios", "host": "127.0.0.1", "port": lab_port,
                   "username": "admin", "password": "admin"}, "command": "show version"})
conn = http.client.HTTPConnection("127.0.0.1", http_port)
def one():
    conn.request("POST", "/device/exec?wait=30", body, {"Content-Type": "application/json", "X-API-KEY": key})
    job = json.loads(conn.getresponse().read())
    assert job["status"] == "finished", job
one()  # first login is not part of the steady state
lat = []
start = time.perf_counter()
for _ in range(n):
    t = time.perf_counter(); one(); lat.append(time.perf_counter() - t)
total = time.perf_counter() - start
lat.sort()
print(f"{n} execs in {total*1000:.0f} ms: {n/total:.0f} cmds/s p50={statistics.median(lat)*1000:.2f} ms p99={lat[int(len(lat)*0.99)-1]*1000:.2f} ms")
PY
  kill "$pid"; wait "$pid" 2>/dev/null || true
}
echo "gateway, pooled session:      $(run_gateway 300)"
echo "gateway, login per command:   $(run_gateway 0)"
echo "raw russh, one session:       $("$RAW" --targets "$work/targets" --mode warm --count "$N")"
echo "raw russh, login per command: $("$RAW" --targets "$work/targets" --mode connect --count "$N")"
