"""Rebuilds a train.py checkpoint from an exported pack (decoder, embeddings, vision encoder, seg projector,
seg image encoder, mask decoder), so a later phase can continue from the committed weights when the training
cache is gone (checkpoints are not committed; the ONNX files are).

How: a model of the pack's config is filled with distinct random values and exported with the very code
export.py uses; the exporter names initializers deterministically, so each of the pack's initializers has a
twin in that export, and the twin's values say which parameter (possibly transposed or reshaped by constant
folding) it holds. Every parameter must be found, and re-exporting the rebuilt model must give the pack's
initializers bit for bit; otherwise it stops. The [SEG] teacher prompt and the training-only probes are not
exported; --teacher fits a new teacher prompt to the pack's frozen [SEG] image encoder and mask decoder and
writes a phase-0 seg file for train.py --seg-ckpt (which reloads those two modules from it, unchanged).

Usage: python3 from_onnx.py --pack ../models/demo --out .cache/from_onnx/ckpt.pt [--teacher .cache/from_onnx/seg.pt]
"""
import argparse
import json
import os
import tempfile

import numpy as np
import torch

from export import export_parts
from onnx_match import Mismatch, initializers, load_exported
from model import CFG, SEQ_ORDER, LLMBind, TeacherPrompt

FILES = ["decoder_model.onnx", "embed_tokens.onnx", "vision_encoder.onnx", "seg_projector.onnx",
         "seg_image_encoder.onnx", "mask_decoder.onnx"]


def pack_cfg(pack):
    """The checkpoint config of an exported phase-9 pack, from its manifest."""
    path = os.path.join(pack, "manifest.json")
    if not os.path.isfile(path):
        raise SystemExit(f"{pack}: no manifest.json (expected an exported pack such as ../models/demo)")
    llm = json.load(open(path))["llm"]
    if llm["vision"]["tokensPerImage"] != len(SEQ_ORDER):
        raise SystemExit(f"{pack}: expected a --vis-seq pack ({len(SEQ_ORDER)} image tokens)")
    cfg = dict(CFG, layers=llm["numLayers"], hidden=llm["hiddenSize"], kv_heads=llm["numKeyValueHeads"],
               head_dim=llm["headDim"], vis_kind="slots", vis_seq=True, img_tokens=len(SEQ_ORDER), phase0=True,
               exists_list=True)
    if llm["chatTemplate"].get("userCase") == "lower":
        cfg["user_case"] = "lower"
    return cfg


def export_all(model, cfg):
    with tempfile.TemporaryDirectory() as d:
        torch.manual_seed(0)
        export_parts(model, cfg, d)
        return {f: initializers(os.path.join(d, f)) for f in FILES}


def rebuild(pack):
    cfg = pack_cfg(pack)
    model = LLMBind(cfg).eval()
    try:
        load_exported(model, lambda m: export_all(m, cfg), {f: os.path.join(pack, f) for f in FILES})
    except Mismatch as e:
        raise SystemExit(f"{pack}: {e} (was it exported by this model.py/export.py?)") from e
    return model, cfg


def fit_teacher(model, cfg, steps, seed):
    """A TeacherPrompt trained against the model's frozen seg image encoder + mask decoder (pretrain.py's data,
    loss and schedule shape)."""
    import math

    from pretrain import batch
    from train import mask_bce_dice
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    teacher = TeacherPrompt(cfg)
    enc, dec = model.segenc.requires_grad_(False), model.maskdec.requires_grad_(False)
    opt = torch.optim.AdamW(teacher.parameters(), lr=2e-3, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + math.cos(math.pi * min(1.0, s / steps))))
    for step in range(1, steps + 1):
        pix, attrs, m = batch(rng, 48, "seg")
        with torch.no_grad():
            emb = enc(pix)
        loss = mask_bce_dice(dec.forward_batch(emb, teacher(attrs)), m)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 50 == 0:
            print(f"teacher step {step} loss {loss.item():.3f}", flush=True)
    return teacher


def held_out_iou(model, teacher, seed=777):
    """Mean IoU of the teacher's prompts through the frozen mask decoder on pretrain.py's held-out scenes."""
    from pretrain import batch, iou
    with torch.no_grad():
        pix, attrs, m = batch(np.random.default_rng(seed + 10_000), 400, "seg")
        return iou(model.maskdec.forward_batch(model.segenc(pix), teacher(attrs)), m)


def anchor_teacher(model, cfg, tokenizer, n_batches, seed):
    """A TeacherPrompt fitted by least squares to the pack's own [SEG] prompts: seg projector outputs at the
    [SEG] tokens of generated dialogues (train.py's data and settings), regressed on the referred object's
    attributes. Distilling towards it keeps the seg projector where the pack has it, as phase 0's teacher did
    for the run that made the pack; a teacher fitted from scratch (fit_teacher) sits elsewhere in prompt space
    and pulls it away (session 13: [SEG] IoU fell by 0.02-0.03). Returns it and its relative error."""
    import bpe
    import data
    from shapes import corpus, extra, world
    from shapes import dialogue as dialogue_kinds
    extra.apply()
    extra.apply_terse()
    extra.apply_registers()
    corpus.USER_CASE = cfg.get("user_case", "keep")
    corpus.WEIGHTS["seg"] = 0.5
    dialogue_kinds.EXISTS_LIST = bool(cfg.get("exists_list"))
    data.IMG_TOKENS = cfg["img_tokens"]
    world.RESAMPLE = ("bilinear", "lanczos")
    torch.manual_seed(seed)
    stream = data.batches(bpe.Tokenizer.load(tokenizer), np.random.default_rng(seed), 24, max_len=224, max_segs=10)
    attrs, prompts = [], []
    with torch.no_grad():
        for _ in range(n_batches):
            b = next(stream)
            if b["seg_img"] is None:
                continue
            emb = data.embed_inputs(model, b)
            pos = torch.arange(emb.shape[1]).unsqueeze(0).expand(emb.shape[0], -1)
            _, _, hidden = model.dec(emb, b["att"], pos)
            prompts.append(model.segproj(hidden[b["seg_b"], b["seg_t"]]))
            attrs.append(b["seg_attr"])
    attrs, prompts = torch.cat(attrs), torch.cat(prompts)
    teacher = TeacherPrompt(cfg)
    opt = torch.optim.Adam(teacher.parameters(), lr=1e-2)
    for _ in range(2000):
        loss = (teacher(attrs) - prompts).pow(2).mean() / prompts.pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return teacher, float(loss), len(attrs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pack", default="../models/demo")
    ap.add_argument("--out", default=".cache/from_onnx/ckpt.pt")
    ap.add_argument("--teacher", default=None, help="also write a phase-0 seg file with a fitted teacher here")
    ap.add_argument("--teacher-steps", type=int, default=400)
    ap.add_argument("--tokenizer", default=None, help="the pack's tokenizer.json (default: PACK/tokenizer.json)")
    ap.add_argument("--anchor", type=int, default=0,
                    help="N > 0: fit the teacher to the pack's own [SEG] prompts over N batches (anchor_teacher)")
    a = ap.parse_args()
    torch.set_num_threads(1)
    model, cfg = rebuild(a.pack)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    torch.save({"model": model.state_dict(), "step": 0, "cfg": cfg}, a.out)
    print(f"{a.out}: {sum(p.numel() for p in model.parameters())} parameters from {a.pack}, re-export identical")
    if not a.teacher:
        return
    if a.anchor:
        teacher, err, n = anchor_teacher(model, cfg, a.tokenizer or os.path.join(a.pack, "tokenizer.json"), a.anchor,
                                      seed=777)
        print(f"teacher anchored to {n} [SEG] prompts of the pack: relative squared error {err:.3f}")
    else:
        teacher = fit_teacher(model, cfg, a.teacher_steps, seed=777)
    held = held_out_iou(model, teacher)
    torch.save({"segenc": model.segenc.state_dict(), "maskdec": model.maskdec.state_dict(),
                "teacher": teacher.state_dict(), "heldout": held}, a.teacher)
    print(f"{a.teacher}: teacher prompt fitted to the pack's [SEG] decoders, held-out mean IoU {held:.3f}")


if __name__ == "__main__":
    main()
