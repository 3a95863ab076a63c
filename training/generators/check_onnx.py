"""Writes torch reference outputs of the exported generators for check_onnx.mjs (ONNX Runtime twin).

  /usr/bin/python3 -m training.generators.check_onnx [--ckpt DIR] [--ref ref.json]
  node training/generators/check_onnx.mjs models/demo/generators ref.json
"""
import argparse
import json
import os

import torch

from training.generators import decoders, diffusion, sounds, train, vocab


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default=train.CACHE)
    ap.add_argument("--ref", default=os.path.join(train.CACHE, "onnx_ref.json"))
    ap.add_argument("--tasks", default="image,audio,video,edit")
    args = ap.parse_args()
    torch.manual_seed(0)
    v = vocab.build_vocab()
    dec = torch.load(os.path.join(args.ckpt, "decoder.pt"))
    ref = []
    lat = train.IMAGE_LATENT
    shapes = {"image": (2, 3, lat, lat), "audio": (2, 2, sounds.FRAMES, sounds.BINS), "video": (2, 3, 8, 16, 16),
              "edit": (3, 6, lat, lat * 3 // 4)}  # a non-square edit (sides multiples of the patch)
    for task in args.tasks.split(","):
        ck = torch.load(os.path.join(args.ckpt, f"{task}.pt"))
        enc, den = train.build(task, v, ck.get("config"))
        enc.load_state_dict(ck["state"]["enc"])
        den.load_state_dict(ck["state"]["den"])
        # audio/video: two-part prompts, so the separator-driven segment embedding (CumSum in the graph) is checked
        text = {"audio": "two high beeps then a drum beat",
                "video": "a red circle moving left and a blue square moving up"}.get(task, "a big red circle on the left")
        ids, mask = vocab.tokenize(v, text)
        ids_t, mask_t = torch.tensor([ids]), torch.tensor([mask])
        with torch.no_grad():
            hidden = enc.eval()(ids_t, mask_t)
            sample = torch.randn(shapes[task])
            ctx = hidden.expand(shapes[task][0], -1, -1)
            out = diffusion.EpsUnet(den.eval(), 3 if task == "edit" else 0)(sample, torch.tensor([321.0]), ctx)
        ref.append({"file": f"{task}_text_encoder.onnx", "feeds": {"input_ids": [ids_t, "int64"],
                                                                  "attention_mask": [mask_t, "int64"]},
                    "output": "last_hidden_state", "expected": hidden})
        ref.append({"file": f"{task}_unet.onnx", "feeds": {"sample": [sample, "float32"],
                                                           "timestep": [torch.tensor([321.0]), "float32"],
                                                           "encoder_hidden_states": [ctx, "float32"]},
                    "output": "out_sample", "expected": out})
    for name, side in (("image", lat), ("video", 16)):
        up = decoders.decoder(dec, name)
        z = torch.randn(1, 3, side, side)
        with torch.no_grad():
            ref.append({"file": f"{name}_decoder.onnx", "feeds": {"latent_sample": [z, "float32"]},
                        "output": "sample", "expected": up.eval()(z)})
    z = torch.rand(1, 2, sounds.FRAMES, sounds.BINS) * 2 - 1
    z[:, 1] = -1  # tones only: the hash noise is float-precision dependent by design
    with torch.no_grad():
        ref.append({"file": "audio_decoder.onnx", "feeds": {"latent_sample": [z, "float32"]}, "output": "sample",
                    "expected": sounds.WaveDecoder()(z)})
    js = lambda t: {"dims": list(t.shape), "data": t.flatten().tolist()}  # noqa: E731
    for r in ref:
        r["feeds"] = {k: {**js(t), "type": ty} for k, (t, ty) in r["feeds"].items()}
        r["expected"] = js(r["expected"])
    with open(args.ref, "w") as f:
        json.dump(ref, f)
    print("wrote", args.ref, len(ref), "cases")


if __name__ == "__main__":
    main()
