#!/usr/bin/env bash
# Retrains, exports, checks and evaluates the demo pack's generators (models/demo/generators/).
# Usage: bash training/generators/train.sh [scale]
# scale 1 = the shipped CPU run (reduced steps: ~35 min of a 2-core machine shared with other work);
# the full run is scale 4 (a many-core or GPU machine: set --threads accordingly).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=/usr/bin/python3
S="${1:-1}"
C=training/.cache/generators
steps() { "$PY" -c "print(int($1 * $S))"; }
mkdir -p "$C"
"$PY" -m training.generators.train --task image --steps "$(steps 3000)" --n 16000 --threads 1 &
"$PY" -m training.generators.train --task audio --steps "$(steps 1000)" --n 8000 --threads 1 &
( "$PY" -m training.generators.train --task decoder --steps "$(steps 300)" --n 1600 --threads 1 --out "$C/d1" &&
  "$PY" -m training.generators.train --task decoder --steps "$(steps 1500)" --n 1600 --lr 1e-3 \
    --init "$C/d1/decoder.pt" --threads 1 ) &
wait
"$PY" -m training.generators.train --task edit --steps "$(steps 1200)" --threads 1 &
"$PY" -m training.generators.train --task video --steps "$(steps 500)" --n 4000 --batch 16 --threads 1 &
wait
"$PY" -m training.generators.export
if [ -d node_modules/onnxruntime-node ]; then
  "$PY" -m training.generators.check_onnx
  node training/generators/check_onnx.mjs models/demo/generators "$C/onnx_ref.json"
fi
"$PY" -m training.eval.generators.evaluate --n 100 --json "$C/eval.json"
