"""Exports a checkpoint to the engine's ONNX contracts (docs/model-bundle.md) and writes manifest.json.
Also dumps reference inputs/outputs (torch) for check_onnx.mjs, which verifies them with onnxruntime-node."""
import argparse
import json
import os

import numpy as np
import onnx
import torch
import torch.nn as nn

from model import CFG, LLMBind
from shapes.corpus import TEMPLATE

OPSET = 14


class DecoderExport(nn.Module):
    def __init__(self, dec):
        super().__init__()
        self.dec = dec

    def forward(self, inputs_embeds, attention_mask, position_ids, *past):
        pk = [(past[2 * i], past[2 * i + 1]) for i in range(len(past) // 2)]
        logits, presents, h = self.dec(inputs_embeds, attention_mask, position_ids, pk)
        flat = [t for kv in presents for t in kv]
        return (logits, *flat, h)


class EmbedExport(nn.Module):
    def __init__(self, embed):
        super().__init__()
        self.embed = embed

    def forward(self, input_ids):
        return self.embed(input_ids)


def export(mod, args, path, inputs, outputs, dyn):
    torch.onnx.export(mod, args, path, input_names=inputs, output_names=outputs, dynamic_axes=dyn,
                      opset_version=OPSET, do_constant_folding=True)
    onnx.checker.check_model(onnx.load(path))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default=".cache/run1/ckpt.pt")
    ap.add_argument("--out", default="../models/demo")
    ap.add_argument("--ref", default=".cache/onnx_ref.json")
    a = ap.parse_args()
    torch.manual_seed(0)
    ck = torch.load(a.ckpt, map_location="cpu")
    m = LLMBind(ck["cfg"])
    m.load_state_dict(ck["model"])
    m.eval()
    m.requires_grad_(False)
    c, o = ck["cfg"], a.out
    os.makedirs(o, exist_ok=True)
    export_parts(m, c, o)
    with torch.no_grad():
        write_refs(m, c, a.ref)
    write_manifest(o, c)
    for f in sorted(os.listdir(o)):
        print(f"{f}: {os.path.getsize(os.path.join(o, f)) / 1e6:.2f} MB")


def export_parts(m, c, o):
    """Writes the six LLM-side ONNX files of model `m` (config `c`) into folder `o`."""
    L, kvh, hd, H = c["layers"], c["kv_heads"], c["head_dim"], c["hidden"]
    past_names = [f"past_key_values.{i}.{kv}" for i in range(L) for kv in ("key", "value")]
    pres_names = [f"present.{i}.{kv}" for i in range(L) for kv in ("key", "value")]
    B, S, P = 1, 3, 2
    args = (torch.randn(B, S, H), torch.ones(B, P + S, dtype=torch.long),
            torch.arange(P, P + S).unsqueeze(0), *[torch.randn(B, kvh, P, hd) for _ in past_names])
    dyn = {"inputs_embeds": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "total"},
           "position_ids": {0: "batch", 1: "seq"}, "logits": {0: "batch", 1: "seq"},
           "last_hidden_state": {0: "batch", 1: "seq"}}
    dyn.update({n: {0: "batch", 2: "past"} for n in past_names})
    dyn.update({n: {0: "batch", 2: "total"} for n in pres_names})
    with torch.no_grad():
        export(DecoderExport(m.dec), args, f"{o}/decoder_model.onnx",
               ["inputs_embeds", "attention_mask", "position_ids", *past_names],
               ["logits", *pres_names, "last_hidden_state"], dyn)
        export(EmbedExport(m.dec.embed), (torch.zeros(1, 4, dtype=torch.long),), f"{o}/embed_tokens.onnx",
               ["input_ids"], ["inputs_embeds"], {"input_ids": {0: "batch", 1: "seq"},
                                                  "inputs_embeds": {0: "batch", 1: "seq"}})
        export(m.vis, (torch.randn(1, 3, 64, 64),), f"{o}/vision_encoder.onnx", ["pixel_values"],
               ["image_features"], {"pixel_values": {0: "batch"}, "image_features": {0: "batch"}})
        export(m.segproj, (torch.randn(1, H),), f"{o}/seg_projector.onnx", ["hidden_states"], ["seg_embeddings"],
               {"hidden_states": {0: "batch"}, "seg_embeddings": {0: "batch"}})
        export(m.segenc, (torch.randn(1, 3, 64, 64),), f"{o}/seg_image_encoder.onnx", ["pixel_values"],
               ["image_embeddings"], None)
        export(m.maskdec, (torch.randn(1, c["seg_ch"], 32, 32), torch.randn(1, 2, 256)), f"{o}/mask_decoder.onnx",
               ["image_embeddings", "prompt_embeddings"], ["mask_logits"],
               {"prompt_embeddings": {1: "k"}, "mask_logits": {1: "k"}})


def write_refs(m, c, path):
    """Torch outputs for: prefill (past = 0) + one cached step, and the other models."""
    g = torch.Generator().manual_seed(1)
    L, kvh, hd, H = c["layers"], c["kv_heads"], c["head_dim"], c["hidden"]
    ids = torch.randint(20, 1000, (1, 6), generator=g)
    emb = m.dec.embed(ids)
    att = torch.ones(1, 6, dtype=torch.long)
    pos = torch.arange(6).unsqueeze(0)
    empty = [(torch.zeros(1, kvh, 0, hd), torch.zeros(1, kvh, 0, hd)) for _ in range(L)]
    lg1, pres, h1 = m.dec(emb[:, :5], att[:, :5], pos[:, :5], empty)
    lg2, pres2, h2 = m.dec(emb[:, 5:], att, pos[:, 5:], pres)
    full, _, hf = m.dec(emb, att, pos, None)
    assert torch.allclose(full[:, 5], lg2[:, 0], atol=1e-4), "cached step differs from full forward"
    pix = torch.rand(1, 3, 64, 64, generator=g) * 2 - 1
    feats = m.vis(pix)
    hs = torch.randn(2, H, generator=g)
    se = m.segproj(hs)
    ie = m.segenc(pix)
    ml = m.maskdec(ie, se.unsqueeze(0))
    t = lambda x: x.detach().reshape(-1).tolist()
    ref = {"ids": t(ids), "prefill_logits": t(lg1), "prefill_hidden": t(h1), "step_logits": t(lg2),
           "step_hidden": t(h2), "present0_key": t(pres2[0][0]), "pixel_values": t(pix), "image_features": t(feats),
           "hidden_states": t(hs), "seg_embeddings": t(se), "image_embeddings": t(ie), "mask_logits": t(ml),
           "L": L, "kvh": kvh, "hd": hd, "H": H}
    with open(path, "w") as f:
        json.dump(ref, f)


def write_manifest(o, c):
    norm = {"mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5]}
    man = {
        "format": "llmbind-bundle/1", "name": "llmbind-demo",
        "description": "Tiny LLMBind trained on the synthetic shapes world (training/): routing, captions, "
                       "image questions and [SEG] masks. Task generators are not part of this file set.",
        "modelCard": "MODEL_CARD.md",
        "llm": {
            "tokenizer": "tokenizer.json", "decoder": "decoder_model.onnx", "embedTokens": "embed_tokens.onnx",
            "vision": {"encoder": "vision_encoder.onnx", "size": 64, **norm, "tokensPerImage": c["img_tokens"]},
            "segProjector": "seg_projector.onnx",
            "numLayers": c["layers"], "numKeyValueHeads": c["kv_heads"], "headDim": c["head_dim"],
            "hiddenSize": c["hidden"], "contextLength": 256, "maxNewTokens": 64, "eosToken": "</s>", "stopTokens": [],
            "imageToken": "<image>",
            "chatTemplate": {**TEMPLATE, **({"userCase": "lower"} if c.get("user_case") == "lower" else {})},
            "taskTokens": {
                "image_generation": {"open": ["<gen>"], "close": ["</gen>"]},
                "image_editing": {"open": ["<edit>"], "close": ["</edit>"]},
                "video_generation": {"open": ["<video_cap>", "<vid_cap>"], "close": ["</video_cap>", "</vid_cap>"]},
                "audio_generation": {"open": ["<audio_cap>", "<aud_cap>"], "close": ["</audio_cap>", "</aud_cap>"]},
                "segmentation": {"marker": ["[SEG]"]}},
        },
        "tasks": {"segmentation": {"files": {"image_encoder": "seg_image_encoder.onnx",
                                             "mask_decoder": "mask_decoder.onnx"}, "size": 64, **norm}},
    }
    path = os.path.join(o, "manifest.json")
    if os.path.exists(path):  # keep task sections other exporters (image/video/audio generators) added
        old = json.load(open(path))
        for k, v in old.get("tasks", {}).items():
            if k != "segmentation":
                man["tasks"][k] = v
        man["description"] = old.get("description", man["description"])
    with open(path, "w") as f:
        json.dump(man, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
