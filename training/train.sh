#!/usr/bin/env bash
# Retrains and re-exports the demo pack (models/demo/) from scratch, seeded and deterministic on CPU
# (single-threaded torch, ~65 min on a 2-core machine shared with other work). Usage: bash training/train.sh [steps]
set -euo pipefail
cd "$(dirname "$0")"
STEPS="${1:-1800}"  # phase-2 steps
PY=/usr/bin/python3
if ! "$PY" -c "import torch, onnx, numpy" 2>/dev/null; then
  apt-get install -y python3-torch python3-onnx python3-numpy libopenblas0-pthread
fi
mkdir -p .cache
# 1. tokenizer (models/demo/tokenizer.json) + joint training of LM, vision encoder and [SEG] heads
#    (cosine schedule over 3000 steps, stopped at 2250: that is how the shipped pack was made)
"$PY" train.py --steps 3000 --stop-at 2250 --seed 1234 --out .cache/run1
# 2. phase 2: restart the LR, more [SEG] examples (loss weight 2), extra small-talk/verb phrasings,
#    a training-only attribute probe on the vision features
"$PY" train.py --resume .cache/run1/ckpt.pt --steps "$STEPS" --seed 4321 --lr 1.2e-3 --warmup 50 \
  --seg-share 0.22 --max-segs 10 --seg-weight 2 --extra-grammar --aux-weight 0.5 --reinit-vision --out .cache/run2
# 3. phase 3: one more cosine cycle from phase 2 (LR 8e-4), same data mix, vision kept
"$PY" train.py --resume .cache/run2/ckpt.pt --steps 1400 --seed 5555 --lr 8e-4 --warmup 50 \
  --seg-share 0.22 --max-segs 10 --seg-weight 2 --extra-grammar --aux-weight 0.5 --out .cache/run3
# 4. ONNX export + manifest.json, torch reference outputs for the runtime check
"$PY" export.py --ckpt .cache/run3/ckpt.pt --out ../models/demo --ref .cache/onnx_ref.json
# 5. checks with the engine's runtime libraries (skipped when node_modules is absent)
if [ -d ../node_modules/onnxruntime-node ]; then
  "$PY" dump_pieces.py ../models/demo/tokenizer.json .cache/pieces.jsonl 99 1000
  (cd .. && node training/check_tokenizer.mjs models/demo/tokenizer.json training/.cache/pieces.jsonl)
  (cd .. && node training/check_onnx.mjs models/demo training/.cache/onnx_ref.json)
fi
# 6. held-out evaluation (numbers for MODEL_CARD.md)
"$PY" eval/evaluate.py --ckpt .cache/run3/ckpt.pt --n 40 --json .cache/eval.json
# 6. part 2: the task generators (image, edit, video, audio); writes models/demo/generators and
#    merges their sections into models/demo/manifest.json
bash generators/train.sh
