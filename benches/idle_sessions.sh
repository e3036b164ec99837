#!/usr/bin/env bash
# Idle-session memory (issue 4): a lab of N devices spread over loopback addresses, the
# gateway with room for N pooled sessions, one bulk `show clock`-style command per device so
# every device ends up with one logged-in idle session, then the gateway's resident memory.
# Prints the sessions the pool holds, RSS before and after, and KiB per session. The "before"
# figure is taken after a warm-up bulk against 10 devices, so the per-session figure is not
# charged with the job path's own first allocations.
#
# Usage: benches/idle_sessions.sh [--devices 10000]
set -euo pipefail
cd "$(dirname "$0")/.."
N=10000
while (($#)); do
  case "$1" in
    --devices) N="$2"; shift 2;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
done
source benches/common.sh
cargo build --release --quiet --bin netpulse
bench_setup idle

lab_port=$(free_port)
"$BIN" lab --devices "$N" --base-port "$lab_port" --state-dir "$work/lab" --spread-addrs \
  --login-delay-ms 0 >"$work/lab.out" 2>/dev/null &
pids+=($!)
for _ in $(seq 1 3000); do [[ $(grep -c '^ready' "$work/lab.out" || true) -ge $N ]] && break; sleep 0.1; done
grep '^ready' "$work/lab.out" | awk '{print $NF}' >"$work/targets"
port=$(free_port)
start_serve "$port" <<YAML
server: { listen: "127.0.0.1:$port", api_keys: ["$KEY"] }
connection_pool: { max_size: $((N + 100)), min_size: 0, max_idle_time: 3600, connection_timeout: 120, max_connections_per_device: 1 }
worker: { pool_size: 64, max_connections: $((N + 100)), queue_size: 1000, timeout: 120, sealing_key_file: "$work/sealing.key" }
database: { url: "sqlite://$work/jobs.db" }
ssh: { known_hosts: "$work/known_hosts", host_key_policy: accept-any }
plugins: { dir: "$work/plugins" }
logging: { level: "warn" }
YAML
gw=${pids[-1]}
python3 - "http://127.0.0.1:$port" "$KEY" "$work/targets" "$gw" <<'PY'
import json, sys, time, urllib.request
base, key, targets, pid = sys.argv[1:]
hosts = [l.strip().rsplit(":", 1) for l in open(targets) if l.strip()]

def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"X-API-KEY": key, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=600) as r:
        return json.loads(r.read())

def rss_kib():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])

def bulk(devices):
    body = {"connection_args": {"device_type": "cisco_ios", "username": "admin", "password": "admin"},
            "command": "show clock",
            "devices": [{"host": h, "port": int(p)} for h, p in devices]}
    batch = call("POST", "/device/bulk", body)["batch_id"]
    while True:
        view = call("GET", f"/batches/{batch}")
        if view["status"] not in ("running", "paused"):
            return view
        time.sleep(1)

bulk(hosts[:10])
time.sleep(2)
before = rss_kib()
started = time.time()
view = bulk(hosts)
took = time.time() - started
time.sleep(3)
after = rss_kib()
stats = call("GET", "/system/stats")
sessions = stats["connection_pool"]["total"]
print(f"devices={len(hosts)} batch={view['status']} in {took:.0f}s; pool sessions={sessions}")
print(f"gateway RSS before={before/1024:.0f} MiB after={after/1024:.0f} MiB; "
      f"{(after - before) / max(sessions - 10, 1):.1f} KiB per idle session")
PY
