"""Exports the trained generators to models/demo/generators/ with the runners' ONNX contracts
(docs/tasks.md) and writes their manifest `tasks` sections to tasks.json.

  /usr/bin/python3 -m training.generators.export [--ckpt DIR] [--out models/demo/generators] [--tasks image,audio,video]
"""
import argparse
import json
import os

import torch

from training.generators import decoders, diffusion, sounds, train, videos, vocab

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
IDENTITY_PREVIEW = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
TOKENIZER = {"maxLength": vocab.MAX_LEN, "eosToken": vocab.EOS, "padToken": vocab.PAD}
SCHEDULER = {"type": "ddim", "betaSchedule": "scaled_linear", "betaStart": 0.00085, "betaEnd": 0.012,
             "timestepSpacing": "leading", "stepsOffset": 1, "predictionType": "epsilon"}
# Sampling settings (steps, guidance) chosen from training/eval/generators/evaluate.py runs.
SAMPLING = {"image": {"steps": 12, "guidanceScale": 4.0}, "audio": {"steps": 10, "guidanceScale": 3.0},
            "video": {"steps": 10, "guidanceScale": 3.0},
            # Edit: s_T 2.0, s_I 1.2. A little image guidance keeps the source's outlines (all right 76.5 % at
            # s_I 1.0, 82 % at 1.2, 80 % at 1.3, n = 200, default seed; on fresh seeds 55555 / 77777, n = 300:
            # 76 / 77 % at 1.0, 75.3 / 83 % at 1.2); from 1.5 on it overshoots the colours of what a
            # background change must keep (kept 76 % of those at 1.5, 18 % at 2.0).
            "edit": {"steps": 12, "guidanceScale": 2.0, "imageGuidanceScale": 1.2}}


class AreaEncoder(torch.nn.Module):
    """ONNX `vae_encoder`: the latent is the area average of the image (what the decoder inverts)."""

    def forward(self, sample):
        return torch.nn.functional.avg_pool2d(sample, train.IMAGE_FACTOR)


def _export(module, args, path, inputs, outputs, dynamic, fold=True):
    module.eval()
    torch.onnx.export(module, args, path, input_names=inputs, output_names=outputs, dynamic_axes=dynamic,
                      opset_version=14, do_constant_folding=fold)
    print(f"{path}: {os.path.getsize(path) / 1e3:.0f} KB")


def export_text_encoder(enc, path):
    ids = torch.zeros(1, vocab.MAX_LEN, dtype=torch.long)
    _export(enc, (ids, torch.ones_like(ids)), path, ["input_ids", "attention_mask"], ["last_hidden_state"],
            {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
             "last_hidden_state": {0: "batch", 1: "seq"}})


def export_unet(den, shape, path, cond_channels=0, spatial=False):
    wrapped = diffusion.EpsUnet(den, cond_channels)
    sample = torch.randn(2, *shape)
    ctx = torch.randn(2, vocab.MAX_LEN, 64)
    dyn = {0: "batch"}
    if spatial:
        dyn.update({2: "height", 3: "width"})
    _export(wrapped, (sample, torch.tensor([500.0]), ctx), path, ["sample", "timestep", "encoder_hidden_states"],
            ["out_sample"], {"sample": dyn, "encoder_hidden_states": {0: "batch", 1: "seq"}, "out_sample": dyn})


LAT = train.IMAGE_LATENT
# Each task's denoiser input (noisy latent, plus the source latent for edit) and export_unet options.
UNET = {"image": ((3, LAT, LAT), {}), "audio": ((2, sounds.FRAMES, sounds.BINS), {}),
        "video": ((3, videos.FRAMES, 16, 16), {}), "edit": ((6, LAT, LAT), {"cond_channels": 3, "spatial": True})}


def export_models(task, enc, den, out_dir):
    """The task's trained files: `{task}_text_encoder.onnx` and `{task}_unet.onnx` (generators/from_onnx.py
    reads them back)."""
    export_text_encoder(enc, os.path.join(out_dir, f"{task}_text_encoder.onnx"))
    shape, options = UNET[task]
    export_unet(den, shape, os.path.join(out_dir, f"{task}_unet.onnx"), **options)


def export_image_decoder(dec, path):
    up = decoders.decoder(dec, "image")
    _export(up, (torch.randn(1, 3, LAT, LAT),), path, ["latent_sample"], ["sample"],
            {"latent_sample": {0: "n", 2: "h", 3: "w"}, "sample": {0: "n", 2: "H", 3: "W"}})


def export_video_decoder(dec, path):
    _export(decoders.decoder(dec, "video"), (torch.randn(1, 3, 16, 16),), path, ["latent_sample"], ["sample"],
            {"latent_sample": {0: "n"}, "sample": {0: "n"}})


def export_audio_decoder(path):
    _export(sounds.WaveDecoder(), (torch.randn(1, 2, sounds.FRAMES, sounds.BINS),), path, ["latent_sample"],
            ["sample"], None, fold=False)  # folding would store the 32×32000 oscillator table


def section(kind_files, extra, sampling):
    return {"files": kind_files, "tokenizer": TOKENIZER, "scheduler": SCHEDULER, **sampling, "negativePrompt": "",
            **extra}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default=train.CACHE)
    ap.add_argument("--out", default=os.path.join(ROOT, "models", "demo", "generators"))
    ap.add_argument("--tasks", default="image,audio,video,edit")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    v = vocab.build_vocab()
    with open(os.path.join(args.out, "tokenizer.json"), "w") as f:
        json.dump(vocab.tokenizer_json(v), f, indent=1)
    rel = lambda name: "generators/" + name  # noqa: E731 (paths are relative to models/demo/)
    out = os.path.join
    tasks = {}
    dec = torch.load(out(args.ckpt, "decoder.pt"))
    wanted = args.tasks.split(",")
    for task in wanted:
        ck = torch.load(out(args.ckpt, f"{task}.pt"))
        enc, den = train.build(task, v, ck.get("config"))
        enc.load_state_dict(ck["state"]["enc"])
        den.load_state_dict(ck["state"]["den"])
        export_models(task, enc, den, args.out)
        files = {"tokenizer": rel("tokenizer.json"), "text_encoder": rel(f"{task}_text_encoder.onnx"),
                 "unet": rel(f"{task}_unet.onnx")}
        if task == "image":
            export_image_decoder(dec, out(args.out, "image_decoder.onnx"))
            files["vae_decoder"] = rel("image_decoder.onnx")
            tasks["image_generation"] = section(files, {"latentChannels": 3, "scalingFactor": 1,
                                                        "vaeScaleFactor": train.IMAGE_FACTOR,
                                                        "width": 128, "height": 128,
                                                        "previewFactors": IDENTITY_PREVIEW}, SAMPLING["image"])
        elif task == "audio":
            export_audio_decoder(out(args.out, "audio_decoder.onnx"))
            files["vae_decoder"] = rel("audio_decoder.onnx")
            tasks["audio_generation"] = section(files, {"latentChannels": 2, "scalingFactor": 1,
                                                        "latentFrames": sounds.FRAMES, "latentBins": sounds.BINS,
                                                        "output": "waveform", "sampleRate": sounds.SR,
                                                        "normalizeTextEmbeds": False}, SAMPLING["audio"])
        elif task == "video":
            export_video_decoder(dec, out(args.out, "video_decoder.onnx"))
            files["vae_decoder"] = rel("video_decoder.onnx")
            tasks["video_generation"] = section(files, {"latentChannels": 3, "scalingFactor": 1, "vaeScaleFactor": 4,
                                                        "width": 64, "height": 64, "frames": videos.FRAMES,
                                                        "fps": 8, "decodeBatch": videos.FRAMES, "minSide": 256,
                                                        "previewFactors": IDENTITY_PREVIEW}, SAMPLING["video"])
        elif task == "edit":
            _export(AreaEncoder(), (torch.randn(1, 3, 128, 128),), out(args.out, "edit_encoder.onnx"), ["sample"],
                    ["latent_sample"], {"sample": {2: "H", 3: "W"}, "latent_sample": {2: "h", 3: "w"}})
            if "image" not in wanted:
                export_image_decoder(dec, out(args.out, "image_decoder.onnx"))
            files.update({"vae_encoder": rel("edit_encoder.onnx"), "vae_decoder": rel("image_decoder.onnx")})
            tasks["image_editing"] = section(files, {"latentChannels": 3, "scalingFactor": 1,
                                                     "vaeScaleFactor": train.IMAGE_FACTOR, "maxSide": 128,
                                                     "sizeMultiple": train.EDIT_MULTIPLE,
                                                     "previewFactors": IDENTITY_PREVIEW},
                                             SAMPLING["edit"])
    # The sections go straight into the pack's manifest (models/demo/manifest.json, one level up). A new pack
    # folder has none yet: the LM's export.py writes the rest later and keeps these sections.
    path = os.path.join(os.path.dirname(os.path.abspath(out(args.out, "x"))), os.pardir, "manifest.json")
    manifest = json.load(open(path)) if os.path.exists(path) else {}
    manifest.setdefault("tasks", {}).update(tasks)
    with open(path, "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print("updated", os.path.normpath(path), sorted(tasks))


if __name__ == "__main__":
    main()
