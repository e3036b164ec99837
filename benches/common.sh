# Shared by the bench scripts (sourced, not run): a scratch directory cleaned up with every
# process the script started, free loopback ports, and starting `netpulse serve` on a config.
#
# After `bench_setup NAME`: TARGET_DIR (cargo's), BIN (the release binary), work (scratch dir), pids (processes
# to stop at exit), KEY (the API key the configs use).

bench_setup() { # name
  ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
  # Where cargo put the build: CARGO_TARGET_DIR when set, as cargo itself reads it.
  TARGET_DIR=${CARGO_TARGET_DIR:-target}
  BIN=$TARGET_DIR/release/netpulse
  KEY=bench-key-0123456789abcdef
  work=$(mktemp -d "/tmp/netpulse-$1.XXXXXX")
  pids=()
  trap bench_cleanup EXIT
}

bench_cleanup() {
  for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Starts `serve` on the YAML read from stdin, listening on PORT, and waits until it answers.
# The config gets its own directory, as config/netpulse.yaml has: serve watches that
# directory, and a database file beside it would wake the watcher on every commit.
start_serve() { # port
  mkdir -p "$work/config"
  cat >"$work/config/gw.yaml"
  "$BIN" serve --config "$work/config/gw.yaml" 2>"$work/gw.log" &
  pids+=($!)
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$1/health" >/dev/null && return 0; sleep 0.1; done
  echo "gateway did not start" >&2
  cat "$work/gw.log" >&2
  exit 1
}

# Writes a wrk script to OUT that POSTs `show version` execs (?wait) round-robin over the
# HOST:PORT lines of TARGETS, as cisco_ios admin/admin; EXTRA is spliced into the JSON body
# (e.g. ',\"cache\":{\"enabled\":true}').
write_exec_lua() { # targets out [extra]
  local extra=${3:-}
  { echo "targets = {"; sed 's/\(.*\):\(.*\)/  {"\1", \2},/' "$1"; echo "}";
    cat <<LUA
local i = 0
request = function()
  i = i + 1
  local t = targets[(i % #targets) + 1]
  local body = string.format('{"connection_args":{"device_type":"cisco_ios","host":"%s","port":%d,"username":"admin","password":"admin"},"command":"show version"$extra}', t[1], t[2])
  return wrk.format("POST", "/device/exec?wait=60", {["Content-Type"]="application/json", ["X-API-KEY"]="$KEY"}, body)
end
LUA
  } >"$2"
}
