#!/bin/sh
# Scores one `rhetor analyze --format jsonl` run of the evaluation inputs that
# `scripts/precision-eval.py subset` builds: SemEval-2023 paragraph techniques, spans, genre and
# frames (from DIR/semeval.jsonl, split into submission files in DIR) and PolNeAR quotes (from
# DIR/polnear.jsonl). Shared by scripts/precision-eval.sh and scripts/window-overlap-eval.sh.
#
#   scripts/score-run.sh RHETOR INPUT_DIR RUN_DIR
set -eu
RHETOR=$1
IN=$2
d=$3
python3 "$(dirname "$0")/precision-eval.py" split "$d/semeval.jsonl" "$d"
"$RHETOR" eval --task st3 --gold "$IN/semeval/st3.txt" --pred "$d/st3.txt" | sed -n 1p
"$RHETOR" eval --task spans --gold "$IN/semeval/spans" --pred "$d/spans.txt" | sed -n 1p
"$RHETOR" eval --task st1 --gold "$IN/semeval/st1.txt" --pred "$d/st1.txt" | sed -n 1p
"$RHETOR" eval --task st2 --gold "$IN/semeval/st2.txt" --pred "$d/st2.txt" | sed -n 1p
"$RHETOR" eval --task quotes --gold "$IN/polnear" --pred "$d/polnear.jsonl" | sed -n 1,12p
