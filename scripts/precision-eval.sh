#!/bin/sh
# Accuracy per encoder precision (issue 19): the shipped models' SemEval-2023 figures (paragraph
# techniques, spans, genre, frames) and PolNeAR quotes, with `--precision f32` and each other
# precision on the same articles, plus how many predictions differ from f32.
#
#   scripts/precision-eval.sh                       # f32 and int8
#   PRECISIONS="f32 int8 bf16" THREADS=2 scripts/precision-eval.sh
#   PRECISIONS="f32 int8" RHETOR_CPU=avx2 scripts/precision-eval.sh
#   CHECK_CPUS="avx2 portable" CHECK_N=12 CHECK_PRECISIONS="int8" scripts/precision-eval.sh
#
# CHECK_CPUS: after the figures, analyse the first CHECK_N SemEval and PolNeAR articles on the
# best path and with RHETOR_CPU set to each of CHECK_CPUS, at each of CHECK_PRECISIONS, and say
# whether the output is byte-identical to the best path's (int8's kernels compute the same
# integers, so it must be; bf16's fallback sums in another order, so it is compared by `diff`).
# The portable int8 kernel is scalar (about 10x slower): a full evaluation on it is hours.
#
# SemEval: the English training articles (all 446, or the first SEMEVAL_N) (the fine-tuning saw folds 1-4, so the absolute
# figures are optimistic; the difference between precisions on the same articles is the point).
# PolNeAR: the 84 dev articles (or the first POLNEAR_N). Outputs stay in $WORK (never committed: they hold no text, but
# they are derived from the data).
set -eu
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data}
WORK=${WORK:-/work/cache-h19quant/precision-eval}
# The release binary in the target dir cargo uses (CARGO_TARGET_DIR, .cargo/config.toml, or target).
RHETOR=${RHETOR:-$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')/release/rhetor}
PRECISIONS=${PRECISIONS:-f32 int8}
THREADS=${THREADS:-1}
SEMEVAL_N=${SEMEVAL_N:-446}
POLNEAR_N=${POLNEAR_N:-84}
SE=$DATA/semeval2023/en
mkdir -p "$WORK"
# The first N articles (name order) of each set, with their gold, copied and filtered
# label files under $WORK/input (a shared machine may not afford all of them per precision).
python3 scripts/precision-eval.py subset "$DATA" "$WORK/input" "$SEMEVAL_N" "$POLNEAR_N"
IN=$WORK/input
for p in $PRECISIONS; do
  d=$WORK/${RHETOR_CPU:-best}-$p
  mkdir -p "$d"
  if [ ! -s "$d/semeval.jsonl" ]; then
    "$RHETOR" analyze "$IN/semeval/articles" --format jsonl --precision "$p" \
      --threads "$THREADS" -q > "$d/semeval.jsonl"
  fi
  if [ ! -s "$d/polnear.jsonl" ]; then
    "$RHETOR" analyze "$IN/polnear/text" --format jsonl --precision "$p" \
      --threads "$THREADS" -q > "$d/polnear.jsonl"
  fi
  echo "== $p (${RHETOR_CPU:-best CPU path})"
  sh scripts/score-run.sh "$RHETOR" "$IN" "$d"
done
set -- $PRECISIONS
first=$1
shift
for p in "$@"; do
  python3 scripts/precision-eval.py diff "$WORK/${RHETOR_CPU:-best}-$first" "$WORK/${RHETOR_CPU:-best}-$p" "$IN"
done
CHECK_N=${CHECK_N:-12}
CHECK_PRECISIONS=${CHECK_PRECISIONS:-int8}
if [ -n "${CHECK_CPUS:-}" ]; then
  python3 scripts/precision-eval.py subset "$DATA" "$WORK/check-input" "$CHECK_N" "$CHECK_N"
  CI_IN=$WORK/check-input
  for p in $CHECK_PRECISIONS; do
    for cpu in best $CHECK_CPUS; do
      d=$WORK/check-$cpu-$p
      mkdir -p "$d"
      for set in semeval/articles polnear/text; do
        out=$d/$(dirname "$set").jsonl
        if [ ! -s "$out" ]; then
          if [ "$cpu" = best ]; then
            env -u RHETOR_CPU "$RHETOR" analyze "$CI_IN/$set" --format jsonl --precision "$p" \
              --threads "$THREADS" -q > "$out"
          else
            RHETOR_CPU=$cpu "$RHETOR" analyze "$CI_IN/$set" --format jsonl --precision "$p" \
              --threads "$THREADS" -q > "$out"
          fi
        fi
      done
    done
    for cpu in $CHECK_CPUS; do
      for f in semeval.jsonl polnear.jsonl; do
        if cmp -s "$WORK/check-best-$p/$f" "$WORK/check-$cpu-$p/$f"; then
          echo "check: $p RHETOR_CPU=$cpu $f: byte-identical to the best path ($CHECK_N articles)"
        else
          echo "check: $p RHETOR_CPU=$cpu $f: DIFFERS from the best path ($CHECK_N articles)"
        fi
      done
      python3 scripts/precision-eval.py diff "$WORK/check-best-$p" "$WORK/check-$cpu-$p" "$CI_IN"
    done
  done
fi
