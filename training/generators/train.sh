#!/usr/bin/env bash
# Retrains, exports, checks and evaluates the demo pack's generators (models/demo/generators/).
# Usage: bash training/generators/train.sh [scale]
# scale 1 = the shipped CPU run (reduced steps: ~80 min of a 2-core machine shared with other work);
# the full run is scale 4 (a many-core or GPU machine: set --threads accordingly).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=/usr/bin/python3
S="${1:-1}"
C=training/.cache/generators
steps() { "$PY" -c "print(int($1 * $S))"; }
mkdir -p "$C"
# image/video: text encoders with zeroed padding rows (video also a second-object segment embedding),
# see train.build; image (32×32 latents, patch-4 blocks, up head) ~20 min single-threaded, then two warm
# restarts like video's (2,000 steps at half the lr, 1,500 at a quarter, other seeds; all attributes
# 16/11 % -> 30/20 % -> 37/18 %, n = 100) ~11 + 8 min
( "$PY" -m training.generators.train --task image --steps "$(steps 4500)" --n 24000 --batch 64 --threads 1 \
    --out "$C/i1" &&
  "$PY" -m training.generators.train --task image --steps "$(steps 2000)" --n 24000 --batch 64 --lr 1e-3 \
    --seed 8 --init "$C/i1/image.pt" --threads 1 --out "$C/i2" &&
  "$PY" -m training.generators.train --task image --steps "$(steps 1500)" --n 24000 --batch 64 --lr 5e-4 \
    --seed 9 --init "$C/i2/image.pt" --threads 1 ) &
# audio: two seeded runs (the second a warm restart of the first, other seed, half the lr); ~22 min in all
( "$PY" -m training.generators.train --task audio --steps "$(steps 2500)" --n 16000 --two-part 0.45 --threads 1 \
    --out "$C/a1" &&
  "$PY" -m training.generators.train --task audio --steps "$(steps 2500)" --n 16000 --two-part 0.45 --lr 1e-3 \
    --seed 8 --init "$C/a1/audio.pt" --threads 1 ) &
( "$PY" -m training.generators.train --task decoder --steps "$(steps 300)" --n 1600 --threads 1 --out "$C/d1" &&
  "$PY" -m training.generators.train --task decoder --steps "$(steps 1500)" --n 1600 --lr 1e-3 \
    --init "$C/d1/decoder.pt" --threads 1 ) &
wait
# edit: 32×32 latents with a gate that keeps untouched cells exactly the source; ~15 min
"$PY" -m training.generators.train --task edit --steps "$(steps 5000)" --threads 1 &
# video: two warm restarts like audio's (other seeds, lower lr); ~19 + 11 + 13 min
( "$PY" -m training.generators.train --task video --steps "$(steps 2400)" --n 8000 --batch 32 --threads 1 \
    --out "$C/v1" &&
  "$PY" -m training.generators.train --task video --steps "$(steps 1200)" --n 8000 --batch 32 --lr 1e-3 \
    --seed 8 --init "$C/v1/video.pt" --threads 1 --out "$C/v2" &&
  "$PY" -m training.generators.train --task video --steps "$(steps 1500)" --n 8000 --batch 32 --lr 5e-4 \
    --seed 9 --init "$C/v2/video.pt" --threads 1 ) &
wait
"$PY" -m training.generators.export
if [ -d node_modules/onnxruntime-node ]; then
  "$PY" -m training.generators.check_onnx
  node training/generators/check_onnx.mjs models/demo/generators "$C/onnx_ref.json"
fi
"$PY" -m training.eval.generators.evaluate --n 100 --json "$C/eval.json"
