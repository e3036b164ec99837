#!/usr/bin/env bash
# Python textfsm 2.1.0 vs NetPulse's native TextFSM engine on the same corpus.
#
# Both sides parse every case of CORPUS/manifest.json with the templates the case lists,
# templates compiled once up front, outputs already in memory, records turned into
# lower-case dicts / JSON objects (ntc-templates' parse_output shape), ITERATIONS passes.
# Rates are per CPU second of the parsing thread (so a busy machine does not skew the
# ratio); wall-time rates are printed alongside.
#
#   benches/textfsm_python.sh [CORPUS_DIR] [ITERATIONS] [ROUNDS]
#
# The two sides take turns ROUNDS times (default 3) and the median ratio is the result:
# on shared 2-core VMs one Python pass has measured anywhere from 686 to 1,569 parses/s.
# Each round also times the native engine writing the records as JSON text (`--json`), the
# form the plugin hands the gateway, beside the same Python figure.
#
# Env: CARGO_TARGET_DIR (default /work/dev/textfsm-target), PYTHON (default python3).
set -euo pipefail

corpus="${1:-/work/shared/corpus}"
iterations="${2:-20}"
rounds="${3:-3}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$repo/target}"
python="${PYTHON:-python3}"

[ -f "$corpus/manifest.json" ] || { echo "no manifest.json in $corpus" >&2; exit 2; }

venv="$(mktemp -d)"
trap 'rm -rf "$venv"' EXIT
"$python" -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check textfsm==2.1.0

cat >"$venv/bench.py" <<'PY'
import io, json, os, sys, time
import textfsm

corpus, iterations = sys.argv[1], int(sys.argv[2])
cases = json.load(open(os.path.join(corpus, "manifest.json")))["cases"]
fsms = {}
work = []
for case in cases:
    chain = []
    for rel in case["templates"]:
        if rel not in fsms:
            with open(os.path.join(corpus, rel)) as f:
                fsms[rel] = textfsm.TextFSM(f)
        chain.append(fsms[rel])
    with open(os.path.join(corpus, case["raw"])) as f:
        work.append((chain, f.read()))

def parse(chain, raw):
    # clitable's ParseCmd: first template's rows, later templates joined on Key values.
    first = chain[0]
    first.Reset()
    header = list(first.header)
    rows = [list(r) for r in first.ParseText(raw)]
    keys = first.GetValuesByAttrib("Key")
    for fsm in chain[1:]:
        fsm.Reset()
        other = fsm.ParseText(raw)
        keys = keys or fsm.GetValuesByAttrib("Key")
        new = [(i, h) for i, h in enumerate(fsm.header) if h not in header]
        header += [h for _, h in new]
        for row in rows:
            row += [""] * len(new)
            for orow in other:
                if all(row[header.index(k)] == orow[fsm.header.index(k)] for k in keys):
                    for j, (i, _) in enumerate(new):
                        row[len(row) - len(new) + j] = orow[i]
                    break
    lower = [h.lower() for h in header]
    return [dict(zip(lower, r)) for r in rows]

for chain, raw in work:  # warm-up
    parse(chain, raw)
start, cpu_start = time.perf_counter(), time.thread_time()
for _ in range(iterations):
    for chain, raw in work:
        parse(chain, raw)
elapsed, cpu = time.perf_counter() - start, time.thread_time() - cpu_start
print(f"{len(work) * iterations / cpu:.0f} {len(work) * iterations / elapsed:.0f}")
PY

(cd "$repo" && CARGO_TARGET_DIR="$target" cargo build --quiet --release -p netpulse-plugin-textfsm --example conformance)
native_iterations=$((iterations * 20))
ratios=()
json_ratios=()
for round in $(seq 1 "$rounds"); do
  py="$("$venv/bin/python" "$venv/bench.py" "$corpus" "$iterations")"
  py_rate="${py%% *}"
  echo "round $round: python textfsm: ${py_rate} parses/s (${py#* } parses/s of wall time)"
  native_line="$("$target/release/examples/conformance" "$corpus" --bench "$native_iterations" | grep '^netpulse textfsm (native):' || true)"
  [ -n "$native_line" ] || { echo "native run failed" >&2; exit 1; }
  echo "round $round: $native_line"
  native_rate="$(echo "$native_line" | sed -E 's/.*: ([0-9]+) parses\/s.*/\1/')"
  ratios+=("$(awk -v n="$native_rate" -v p="$py_rate" 'BEGIN { printf "%.2f", n / p }')")
  echo "round $round: ratio ${ratios[-1]}x python"
  json_line="$("$target/release/examples/conformance" "$corpus" --json --bench "$native_iterations" | grep '^netpulse textfsm (native):' || true)"
  [ -n "$json_line" ] || { echo "native --json run failed" >&2; exit 1; }
  json_rate="$(echo "$json_line" | sed -E 's/.*: ([0-9]+) parses\/s.*/\1/')"
  json_ratios+=("$(awk -v n="$json_rate" -v p="$py_rate" 'BEGIN { printf "%.2f", n / p }')")
  echo "round $round: records as JSON text (the plugin's output): ${json_rate} parses/s, ${json_ratios[-1]}x python"
done
median() {
  sort -n | awk -v what="$1" '{ r[NR] = $1 } END { printf "%s: %.1fx python (median of %d rounds; lowest %.1fx, highest %.1fx)\n", what, r[int((NR + 1) / 2)], NR, r[1], r[NR] }'
}
printf '%s\n' "${ratios[@]}" | median "ratio"
printf '%s\n' "${json_ratios[@]}" | median "ratio, native writing JSON text"
