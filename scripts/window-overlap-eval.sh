#!/bin/sh
# Accuracy per window overlap (issue 19): the word pieces consecutive encoder windows of a long
# paragraph share (`analyze --window-overlap`; 32, the training recipe's, is the default). Same
# articles and scorers as scripts/precision-eval.sh: SemEval-2023 paragraph techniques, spans,
# genre, frames, and PolNeAR quotes, at one precision, for each overlap; then how many
# decisions each overlap changes against the default (right or wrong against gold, sign test).
# Speed per overlap: `rhetor bench analyze ARTICLES --precision auto --window-overlap 0,16,32,64`.
#
#   scripts/window-overlap-eval.sh                        # overlaps 0 16 32 64, auto precision
#   OVERLAPS="0 32" PRECISION=f32 scripts/window-overlap-eval.sh
#
# SemEval: the English training articles (the fine-tuning saw folds 1-4, so the absolute figures
# are optimistic; the difference between overlaps on the same articles is the point). Outputs
# stay in $WORK (never committed).
set -eu
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data}
WORK=${WORK:-${XDG_CACHE_HOME:-$HOME/.cache}/rhetor-window-overlap-eval}
# The release binary in the target dir cargo uses (CARGO_TARGET_DIR, .cargo/config.toml, or target).
RHETOR=${RHETOR:-$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')/release/rhetor}
OVERLAPS=${OVERLAPS:-0 16 32 64}
PRECISION=${PRECISION:-auto}
THREADS=${THREADS:-2}
SEMEVAL_N=${SEMEVAL_N:-446}
POLNEAR_N=${POLNEAR_N:-84}
mkdir -p "$WORK"
python3 scripts/precision-eval.py subset "$DATA" "$WORK/input" "$SEMEVAL_N" "$POLNEAR_N"
IN=$WORK/input
for w in $OVERLAPS; do
  d=$WORK/$PRECISION-overlap$w
  mkdir -p "$d"
  for set in semeval:semeval/articles polnear:polnear/text; do
    name=${set%%:*}
    if [ ! -s "$d/$name.jsonl" ]; then
      "$RHETOR" analyze "$IN/${set#*:}" --format jsonl --precision "$PRECISION" \
        --window-overlap "$w" --threads "$THREADS" -q > "$d/$name.jsonl"
    fi
  done
  echo "== window overlap $w ($PRECISION)"
  sh scripts/score-run.sh "$RHETOR" "$IN" "$d"
done
for w in $OVERLAPS; do
  if [ "$w" != 32 ]; then
    echo "== overlap $w against overlap 32"
    python3 scripts/precision-eval.py diff "$WORK/$PRECISION-overlap32" "$WORK/$PRECISION-overlap$w" "$IN"
  fi
done
