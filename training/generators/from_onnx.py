"""Rebuilds generator checkpoints (the `train.py --init` / export.py format) from an exported pack's text
encoder and denoiser files, so a later run can continue from the committed generators when
training/.cache/generators is gone (checkpoints are not committed). Same method and checks as
training/from_onnx.py: every parameter found, re-export identical bit for bit. The denoiser's width and depth
are not in the files: CONFIG's and gpu.sh's (96 wide, 6 blocks) are tried.

The task `decoder` writes OUT/decoder.pt (train.py --task decoder's format, what export.py and the held-out
evaluator read) from image_decoder.onnx and video_decoder.onnx; each decoder's shape is not in the files
either: the shallow head (decoders.DECODERS) and train.sh's deep one (64 wide, depth 3: the shipped image
decoder) are tried. audio_decoder.onnx has no weights; it is only checked to be sounds.WaveDecoder's export.

  /usr/bin/python3 -m training.generators.from_onnx [--pack models/demo/generators] [--tasks image,edit,decoder]
      [--out training/.cache/generators_from_onnx]   (then: train.py --task image --init OUT/image.pt …;
      evaluate.py --ckpt OUT needs OUT/decoder.pt and OUT/{task}.pt of the tasks it evaluates)
"""
import argparse
import os
import tempfile

import torch

from training.generators import decoders, export, nets, sounds, train, vocab
from training.onnx_match import Mismatch, initializers, load_exported

SHAPES = [None, {"ch": 96, "blocks": 6}]  # CONFIG's, gpu.sh's
DECODER_SHAPES = [{}, {"ch": 64, "depth": 3}]  # the shallow head's, train.sh's deep stage (--ch 64 --blocks 3)


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


def export_decoder(name, cfg, up, d):
    """Writes `{name}_decoder.onnx` into `d` with export.py's own function; the module goes through a
    one-decoder checkpoint, as export.main's does."""
    path = os.path.join(d, f"{name}_decoder.onnx")
    ck = {"state": {name: up.state_dict()}, "config": {name: cfg}}
    if name == "image":
        export.export_image_decoder(ck, path)
    elif name == "video":
        export.export_video_decoder(ck, path)
    else:
        export.export_audio_decoder(path)
    return {os.path.basename(path): initializers(path)}


def rebuild_decoder(pack, name):
    """(config, module) of decoder `name` whose export reproduces the pack's `{name}_decoder.onnx`."""
    f = f"{name}_decoder.onnx"
    shipped = {f: os.path.join(pack, f)}
    if not os.path.isfile(shipped[f]):
        raise SystemExit(f"decoder: not in {pack}: {shipped[f]}")
    if name == "audio":  # no parameters: load_exported only checks that every initializer is the same constant
        shapes, make = [None], lambda cfg: sounds.WaveDecoder()
    else:
        shapes, make = [{**decoders.DECODERS[name], **s} for s in DECODER_SHAPES], lambda cfg: nets.UpDecoder(**cfg)
    tried = []
    for cfg in shapes:
        up = make(cfg)
        try:
            with tempfile.TemporaryDirectory() as d:
                load_exported(up, lambda m: export_decoder(name, cfg, m, d), shipped)
            return cfg, up.eval()
        except Mismatch as e:
            tried.append(f"{cfg}: {e}")
    raise SystemExit(f"decoder {name}: no known shape reproduces {shipped[f]}:\n  " + "\n  ".join(tried))


def save_decoders(pack, out, v):
    """OUT/decoder.pt as train.py --task decoder saves it: state and config per name of decoders.DECODERS."""
    rebuild_decoder(pack, "audio")  # checked only: export.py writes sounds.WaveDecoder, which has nothing to learn
    rebuilt = {name: rebuild_decoder(pack, name) for name in decoders.DECODERS}
    path = os.path.join(out, "decoder.pt")
    torch.save({"state": {n: up.state_dict() for n, (_, up) in rebuilt.items()}, "vocab": v,
                "config": {n: cfg for n, (cfg, _) in rebuilt.items()}, "args": {"from_onnx": pack}, "step": None},
               path)
    shapes = ", ".join(f"{n} {cfg}" for n, (cfg, _) in rebuilt.items())
    print(f"{path}: decoders ({shapes}; audio has no weights) from {pack}, re-export identical", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pack", default=os.path.join(export.ROOT, "models", "demo", "generators"))
    ap.add_argument("--tasks", default="image,edit,decoder", help="of image, edit, video, audio, decoder")
    ap.add_argument("--out", default=os.path.join(train.CACHE + "_from_onnx"))
    a = ap.parse_args()
    torch.set_num_threads(1)
    os.makedirs(a.out, exist_ok=True)
    v = vocab.build_vocab()
    for task in a.tasks.split(","):
        if task == "decoder":
            save_decoders(a.pack, a.out, v)
            continue
        config, enc, den = rebuild(a.pack, task, v)
        path = os.path.join(a.out, f"{task}.pt")
        torch.save({"state": {"enc": enc.state_dict(), "den": den.state_dict()}, "vocab": v, "config": config,
                    "args": {"from_onnx": a.pack}, "step": None}, path)
        print(f"{path}: {task} ({config}) from {a.pack}, re-export identical", flush=True)


if __name__ == "__main__":
    main()
