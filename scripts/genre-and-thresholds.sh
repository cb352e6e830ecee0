#!/bin/sh
# Issue 14's validation and the genre head for a reporting-heavy world, in one command:
# 1. `rhetor train --finetuned models/techniques` (no fine-tuning) caches the held-out fold's
#    outputs and the SemEval article features in $WORK (about 10 minutes on 2 cores);
# 2. real news reports (BASIL 300, PolNeAR 40 per outlet, FNC-1 150 bodies) and 319
#    hyperpartisan web articles (two samples of 160; their genre, opinion among them, is
#    labelled by hand in crates/rhetor-analyzers/tests/data/hyperpartisan_genre.tsv) are
#    encoded with the shipped encoder (about 8 minutes);
# 3. genre_head validates every genre setting (SemEval CV naive and target-weighted, leave one
#    family out, news mix) and writes the chosen head into models/techniques/analyzer.json;
# 4. paragraph_thresholds scores the paragraph thresholds naive and cross-fitted (plain and
#    target-weighted) and writes the best cross-fitted choice with its figures;
# 5. frame_head validates the USE frame head and its blend with the article heads' frames on
#    the same folds and writes it into models/techniques/multilingual.json.
# Steps 3 and 4 only touch the genre head and the paragraph thresholds of analyzer.json: run
# them again after any change that rewrites that file (e.g. after `rhetor train`).
#
#   scripts/genre-and-thresholds.sh
#   WRITE=0 scripts/genre-and-thresholds.sh     # measure only
set -eu
cd "$(dirname "$0")/.."
WORK=${WORK:-/work/genre-work}
DATA=${DATA:-../shared/data}
WRITE=${WRITE:-1}
# The target dir cargo uses (CARGO_TARGET_DIR, or .cargo/config.toml's target-dir, or target).
T="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')/release"
mkdir -p "$WORK"
cargo build --release -p rhetor-cli
cargo build --release -p rhetor-analyzers --example news_samples --example genre_head
cargo build --release -p rhetor-train --example paragraph_thresholds --example technique_shift \
  --example frame_head
ls "$WORK"/article-samples-*.json >/dev/null 2>&1 ||
  "$T/rhetor" train --finetuned models/techniques --data "$DATA/semeval2023/en" \
    --work "$WORK" --out "$WORK/out"
for s in basil polnear:40 fnc1:150 hyper:160 hyper2=hyper:160+2; do
  n=${s%%:*}
  case $s in *=*) n=${s%%=*} s=${s#*=} ;; esac
  [ -f "$WORK/news-$n.json" ] ||
    THREADS=2 "$T/examples/news_samples" models/techniques "$DATA" "$s" "$WORK/news-$n.json"
done
W=""
P=""
if [ "$WRITE" = 1 ]; then
  W="--write models/techniques/analyzer.json"
  P="--write models/techniques/analyzer.json"
fi
# shellcheck disable=SC2086
"$T/examples/genre_head" "$WORK"/article-samples-*.json "$WORK"/news-basil.json \
  "$WORK"/news-polnear.json "$WORK"/news-fnc1.json "$WORK"/news-hyper.json \
  "$WORK"/news-hyper2.json --labels crates/rhetor-analyzers/tests/data/hyperpartisan_genre.tsv $W
# shellcheck disable=SC2086
SEMEVAL_EN="$DATA/semeval2023/en" "$T/examples/paragraph_thresholds" \
  "$WORK"/holdout-outputs-*.json models/techniques $P
# The technique figures under the 2023 annotation's label mix (records them in analyzer.json;
# the span rules stay as `rhetor train` chose them).
# shellcheck disable=SC2086
SEMEVAL_EN="$DATA/semeval2023/en" "$T/examples/technique_shift" \
  "$WORK"/holdout-outputs-*.json models/techniques $P
# The USE frame head (embeds the SemEval articles once, cached in $WORK).
F=""
[ "$WRITE" = 1 ] && F="--write models/techniques/multilingual.json"
# shellcheck disable=SC2086
"$T/examples/frame_head" "$WORK"/article-samples-*.json $F
