#!/usr/bin/env bash
# run_bench.sh BUILD_DIR [--batches N] [--warmup N] [--repeat R]
#
# Training throughput of the 784-256-256-10 MLP (batch 64, CE loss, Adam
# lr 1e-3), three ways, on the same number of batches:
#   pcc       the library pcc emitted (il, T=20, gamma=0.1): BUILD_DIR/bench/bench_pcc
#   torch-pc  the same predictive-coding algorithm in PyTorch eager (pc_torch.py --mode pc)
#   torch-bp  backprop in PyTorch eager (pc_torch.py --mode bp)
# and prints a table with samples/s and the ratio pcc / torch-pc. With
# --repeat R every run is repeated R times, interleaved, and the median is
# shown.
#
# Environment: BENCH_PCC (path of bench_pcc, overrides the search in
# BUILD_DIR), PYTHON (default /usr/bin/python3), TORCH_THREADS (passed to
# torch.set_num_threads; default: torch's own default).
set -euo pipefail

usage() { sed -n '2,3p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

[[ $# -ge 1 ]] || usage
BUILD_DIR=$1; shift
BATCHES=300 WARMUP=20 REPEAT=1
while [[ $# -gt 0 ]]; do
  case $1 in
    --batches) BATCHES=${2:?}; shift 2 ;;
    --warmup)  WARMUP=${2:?};  shift 2 ;;
    --repeat)  REPEAT=${2:?};  shift 2 ;;
    *) usage ;;
  esac
done
for v in "$BATCHES" "$WARMUP" "$REPEAT"; do [[ $v =~ ^[0-9]+$ ]] || usage; done
(( BATCHES > 0 && REPEAT > 0 )) || usage

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=${PYTHON:-/usr/bin/python3}
T=20 GAMMA=0.1 LR=1e-3

BENCH=${BENCH_PCC:-}
if [[ -z $BENCH ]]; then
  for c in "$BUILD_DIR/bench/bench_pcc" "$BUILD_DIR/bin/bench_pcc" "$BUILD_DIR/bench_pcc"; do
    [[ -x $c ]] && { BENCH=$c; break; }
  done
fi
if [[ -z $BENCH || ! -x $BENCH ]]; then
  echo "run_bench.sh: no bench_pcc under $BUILD_DIR (build the 'bench_pcc' target)" >&2
  exit 2
fi

# field NAME LINE: the value of NAME=... in LINE
field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2"; }

# median of the arguments (numbers)
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {if (NR) print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# Batch size comes from the compiled library, so the torch runs match it.
declare -A RATES=([pcc]="" [torch-pc]="" [torch-bp]="")
declare -A STATUS=([pcc]=ok [torch-pc]=ok [torch-bp]=ok)
BATCH=""
THREADS_ARGS=()
[[ -n ${TORCH_THREADS:-} ]] && THREADS_ARGS=(--threads "$TORCH_THREADS")
TORCH_INFO=""

run_one() { # NAME: runs it once, appends its samples/s to RATES[NAME]
  local name=$1 out rc=0
  case $name in
    pcc) out=$("$BENCH" --batches "$BATCHES" --warmup "$WARMUP" 2>&1) || rc=$? ;;
    torch-pc|torch-bp)
      out=$("$PY" "$HERE/pc_torch.py" --mode "${name#torch-}" --batch "${BATCH:-64}" \
            --steps "$T" --gamma "$GAMMA" --lr "$LR" \
            --batches "$BATCHES" --warmup "$WARMUP" "${THREADS_ARGS[@]}" 2>&1) || rc=$?
      [[ $rc -eq 0 ]] && TORCH_INFO="torch $(field torch "$out"), $(field threads "$out") intra-op thread(s)" ;;
  esac
  if [[ $rc -ne 0 ]]; then
    STATUS[$name]="failed (exit $rc): $(tail -n1 <<<"$out")"
    return 0
  fi
  out=$(grep 'samples_per_s=' <<<"$out" | tail -n1)
  [[ $name == pcc && -z $BATCH ]] && BATCH=$(field batch "$out")
  local r; r=$(field samples_per_s "$out")
  if [[ -z $r ]]; then STATUS[$name]="failed: no samples_per_s in its output"; return 0; fi
  RATES[$name]+="$r "
}

echo "benchmark: MLP 784-256-256-10, CE loss, Adam lr $LR, PC il T=$T gamma=$GAMMA;" \
     "$BATCHES timed batches after $WARMUP warm-up, $REPEAT repeat(s)"
for ((i = 0; i < REPEAT; ++i)); do
  for name in pcc torch-pc torch-bp; do
    [[ ${STATUS[$name]} == ok ]] && run_one "$name"
  done
done

declare -A MED
for name in pcc torch-pc torch-bp; do
  # shellcheck disable=SC2086
  [[ ${STATUS[$name]} == ok ]] && MED[$name]=$(median ${RATES[$name]}) || MED[$name]=""
done

printf '\n%-34s %12s %10s %12s\n' "implementation (batch ${BATCH:-?})" "samples/s" "ms/batch" "vs torch-pc"
printf '%-34s %12s %10s %12s\n' "----------------------------------" "------------" "----------" "------------"
row() { # NAME LABEL
  local name=$1 label=$2 r=${MED[$1]}
  if [[ -z $r ]]; then
    printf '%-34s %s\n' "$label" "${STATUS[$name]}"
    return
  fi
  awk -v l="$label" -v r="$r" -v b="${BATCH:-64}" -v ref="${MED[torch-pc]}" 'BEGIN {
    printf "%-34s %12.1f %10.3f %12s\n", l, r, 1000 * b / r, (ref > 0 ? sprintf("%.2fx", r / ref) : "n/a") }'
}
row pcc      "pcc emitted library (il)"
row torch-pc "PyTorch eager, predictive coding"
row torch-bp "PyTorch eager, backprop"
[[ -n $TORCH_INFO ]] && echo "($TORCH_INFO)"

if [[ -n ${MED[pcc]} && -n ${MED[torch-pc]} ]]; then
  awk -v a="${MED[pcc]}" -v b="${MED[torch-pc]}" 'BEGIN { printf "\nratio pcc / torch-pc = %.2f\n", a / b }'
fi

for name in pcc torch-pc torch-bp; do
  [[ ${STATUS[$name]} == ok ]] || exit 1
done
