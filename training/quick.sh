#!/usr/bin/env bash
# The CPU path in under an hour: retrains the whole demo pack (LM, vision, [SEG] and the four generators) from
# scratch at reduced steps, seeded, exports it to its own folder, checks the ONNX files with the engine's
# runtime and evaluates it on held-out sets. The shipped pack (models/demo) comes from the full recipe,
# training/train.sh (≈5 h of LM training on the 2-core box plus the generators' GPU stages); this one trades
# quality for time (MODEL_CARD.md, "Retraining in under an hour", has the scores). It never touches models/demo.
# Usage: bash training/train.sh --quick [OUT]   (OUT defaults to models/demo-quick; then
#        npx llmbind ask "draw a red circle" --models models/demo-quick)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="$(realpath -m "${1:-models/demo-quick}")"
if [ "$OUT" = "$(realpath -m models/demo)" ]; then
  echo "quick.sh: OUT must not be models/demo (the shipped pack comes from the full recipe, training/train.sh)" >&2
  exit 2
fi
PY=/usr/bin/python3
Q="$PWD/training/.cache/quick"
if ! "$PY" -c "import torch, onnx, numpy" 2>/dev/null; then
  apt-get install -y python3-torch python3-onnx python3-numpy libopenblas0-pthread
fi
mkdir -p "$Q/p0" "$OUT"
: >"$Q/times.log"
T0=$(date +%s)
mark() { echo "$1 $(($(date +%s) - T0)) s" | tee -a "$Q/times.log"; }
# Waits for every background job and fails when one of them did (a plain `wait` ignores failures).
wait_all() { local pid; for pid in $(jobs -p); do wait "$pid"; done; }
# One OpenBLAS thread per process: by default each process's matrix products take both cores, and two jobs
# side by side then fight for them (torch.set_num_threads does not reach Debian's OpenBLAS).
export OPENBLAS_NUM_THREADS=1
cd training
# 0. phase 0 at a third of the full steps, both at once; the vision encoder sees Lanczos resizes from the start
#    (the full recipe fine-tunes for that in a separate phase 0b)
"$PY" pretrain.py --part vision --steps 500 --seed 777 --resample bilinear,lanczos --out "$Q/p0/vision.pt" \
  >"$Q/p0/vision.log" &
"$PY" pretrain.py --part seg --steps 500 --seed 777 --out "$Q/p0/seg.pt" >"$Q/p0/seg.log" &
wait_all
mark phase0
# 1. the LM on the first core, the generators on the second
# 1a. the generators at 15 % of their CPU steps (training/generators/train.sh: 64/4 image and edit models);
#    their held-out evaluation is smaller (40 per set, one seed)
(cd .. && PACK="$OUT" GEN_CACHE="$Q/generators" EVAL_N=40 EVAL_SEEDS=99991 \
  taskset -c 1 bash training/generators/train.sh 0.15 >"$Q/generators.log" 2>&1) &
GEN=$!
# 1b. one LM run from scratch with the full recipe's final data and flags (phase 9e's mix, 4 layers): phase 0's
#    frozen modules from step 0, one image token per scene fact, a new tokenizer written into OUT; batches
#    drawn in-process (--workers 0: the second core is the generators')
taskset -c 0 "$PY" train.py --tokenizer "$OUT/tokenizer.json" --vision-ckpt "$Q/p0/vision.pt" \
  --seg-ckpt "$Q/p0/seg.pt" --vis-seq --vision-trunk "$Q/p0/vision.pt" --steps 3000 --lr 2e-3 --warmup 50 \
  --seed 1234 --seg-share 0.2 --max-segs 10 --seg-weight 2 --extra-grammar \
  --mix question=0.25,describe=0.1,multi=0.06 --max-len 224 --span-weight 3 --answer-weight 4 \
  --question-cuts 0.06,0.34,0.46,0.56,0.62,0.92 --resample bilinear,lanczos --spread 1.5 --distill 2 \
  --exists-list --terse-requests --registers --lower-user --exists-balance 0.45 --decision-probe 1.0 \
  --probe-layer 1 --workers 0 --out "$Q/lm" >"$Q/lm.log"
mark lm
wait "$GEN" || { tail -n 30 "$Q/generators.log"; exit 1; }
mark generators
# 2. the LM's export, after the generators' one, which wrote the manifest's image/edit/video/audio sections (kept by this one)
"$PY" export.py --ckpt "$Q/lm/ckpt.pt" --out "$OUT" --ref "$Q/onnx_ref.json"
cp ../models/demo/MODEL_CARD.md "$OUT/"
# 3. checks with the engine's runtime libraries, then the held-out evaluation
if [ -d ../node_modules/onnxruntime-node ]; then
  "$PY" dump_pieces.py "$OUT/tokenizer.json" "$Q/pieces.jsonl" 99 1000
  (cd .. && node training/check_tokenizer.mjs "$OUT/tokenizer.json" "$Q/pieces.jsonl")
  (cd .. && node training/check_onnx.mjs "$OUT" "$Q/onnx_ref.json")
fi
"$PY" eval/evaluate.py --ckpt "$Q/lm/ckpt.pt" --tokenizer "$OUT/tokenizer.json" --n 40 --json "$Q/eval.json"
"$PY" eval/registers.py --ckpt "$Q/lm/ckpt.pt" --tokenizer "$OUT/tokenizer.json" --json "$Q/eval_registers.json"
mark done
echo "pack: $OUT (llmbind ask \"...\" --models $OUT); scores: $Q/eval.json, $Q/generators/eval_99991.json"
