"""Rebuilds generator checkpoints (the `train.py --init` / export.py format) from an exported pack's text
encoder and denoiser files, so a later run can continue from the committed generators when
training/.cache/generators is gone (checkpoints are not committed). Same method and checks as
training/from_onnx.py: every parameter found, re-export identical bit for bit. The denoiser's width and depth
are not in the files: CONFIG's and gpu.sh's (96 wide, 6 blocks) are tried.

  /usr/bin/python3 -m training.generators.from_onnx [--pack models/demo/generators] [--tasks image,edit]
      [--out training/.cache/generators_from_onnx]   (then: train.py --task image --init OUT/image.pt …)
"""
import argparse
import os
import tempfile

import torch

from training.generators import export, train, vocab
from training.onnx_match import Mismatch, initializers, load_exported

SHAPES = [None, {"ch": 96, "blocks": 6}]  # CONFIG's, gpu.sh's


def rebuild(pack, task, v):
    """(config, text encoder, denoiser) of `task` whose export reproduces the pack's files."""
    files = {f"{task}_text_encoder.onnx": None, f"{task}_unet.onnx": None}
    shipped = {f: os.path.join(pack, f) for f in files}
    absent = [p for p in shipped.values() if not os.path.isfile(p)]
    if absent:
        raise SystemExit(f"{task}: not in {pack}: {', '.join(absent)}")
    tried = []
    for shape in SHAPES:
        config = {**train.CONFIG[task], **(shape or {})}
        enc, den = train.build(task, v, config)
        both = torch.nn.ModuleDict({"enc": enc, "den": den})

        def export_both(m):
            with tempfile.TemporaryDirectory() as d:
                export.export_models(task, m["enc"], m["den"], d)
                return {f: initializers(os.path.join(d, f)) for f in files}

        try:
            load_exported(both, export_both, shipped)
            return config, enc, den
        except Mismatch as e:
            tried.append(f"{config}: {e}")
    raise SystemExit(f"{task}: no known denoiser shape reproduces {pack}:\n  " + "\n  ".join(tried))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pack", default=os.path.join(export.ROOT, "models", "demo", "generators"))
    ap.add_argument("--tasks", default="image,edit")
    ap.add_argument("--out", default=os.path.join(train.CACHE + "_from_onnx"))
    a = ap.parse_args()
    torch.set_num_threads(1)
    os.makedirs(a.out, exist_ok=True)
    v = vocab.build_vocab()
    for task in a.tasks.split(","):
        config, enc, den = rebuild(a.pack, task, v)
        path = os.path.join(a.out, f"{task}.pt")
        torch.save({"state": {"enc": enc.state_dict(), "den": den.state_dict()}, "vocab": v, "config": config,
                    "args": {"from_onnx": a.pack}, "step": None}, path)
        print(f"{path}: {task} ({config}) from {a.pack}, re-export identical", flush=True)


if __name__ == "__main__":
    main()
