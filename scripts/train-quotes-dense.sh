#!/bin/sh
# The dense quote models in one command: encode PolNeAR train+dev and the scraped speaker pages
# with the techniques model (the encoder `rhetor analyze` runs; skipped when the cached states
# already match models/techniques/model.safetensors), 5-fold cross-validation, train on PolNeAR
# train, write models/quotes/{cue,filter}_model_dense.tsv, rebuild and score the bundled models
# on dev and on the scraped pages. About 10 minutes on 2 cores. See models/quotes/README.md.
#
#   scripts/train-quotes-dense.sh            # all of it
#   CV=0 scripts/train-quotes-dense.sh       # no cross-validation
#   WORK=/tmp/qw scripts/train-quotes-dense.sh
# Extra arguments go to train_quotes (e.g. --cue-layout token+neighbours).
set -eu
cd "$(dirname "$0")/.."
WORK=${WORK:-/work/quote-work}
CV=${CV:-1}
mkdir -p "$WORK"
cargo build --release -p rhetor-cli --example quote_states
target/release/examples/quote_states --out "$WORK/polnear.states"
target/release/examples/quote_states --scraped --out "$WORK/scraped.states"
cargo build --release -p rhetor-quotes --example train_quotes --example scraped_speakers
if [ "$CV" = 1 ]; then
  target/release/examples/train_quotes --states "$WORK/polnear.states" --folds 5 --jobs 2 "$@"
fi
target/release/examples/train_quotes --states "$WORK/polnear.states" --out models/quotes "$@"
# The dense models are compiled in: rebuild, then score what ships.
cargo build --release -p rhetor-quotes --example train_quotes --example scraped_speakers
target/release/examples/train_quotes --states "$WORK/polnear.states" --bundled
target/release/examples/scraped_speakers --states "$WORK/scraped.states"
