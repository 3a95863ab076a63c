"""Joint training of the decoder LM, vision encoder and [SEG] heads on generated dialogues (seeded, CPU)."""
import argparse
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

import bpe
from data import batches, embed_inputs
from model import CFG, LLMBind
from shapes.corpus import WEIGHTS, dialogue, pieces


def build_tokenizer(path, seed, n=6000):
    rng = np.random.default_rng(seed)
    texts = []
    for _ in range(n):
        texts += [t for _, t in pieces(dialogue(rng))]
    tok = bpe.train(texts, CFG["vocab"])
    tok.save(path)
    return tok


class AuxHead(torch.nn.Module):
    """Training-only probe on the vision features (not exported): scene attributes per named position.
    It gives the vision encoder a dense signal besides the (sparse) answers to image questions."""

    def __init__(self, hidden):
        super().__init__()
        self.lin = torch.nn.Linear(16 * hidden, 5 * (4 + 8 + 2) + 9)

    def loss(self, feats, tgt):
        o = self.lin(F.layer_norm(feats, feats.shape[-1:]).flatten(1))
        per = o[:, :70].reshape(-1, 5, 14)
        l = F.cross_entropy(per[..., :4].reshape(-1, 4), tgt[:, 0:15:3].reshape(-1))
        l = l + F.cross_entropy(per[..., 4:12].reshape(-1, 8), tgt[:, 1:15:3].reshape(-1), ignore_index=-100)
        l = l + F.cross_entropy(per[..., 12:14].reshape(-1, 2), tgt[:, 2:15:3].reshape(-1), ignore_index=-100)
        return l + F.cross_entropy(o[:, 70:], tgt[:, 15])


def seg_loss(model, batch, hidden):
    if batch["seg_img"] is None:
        return torch.zeros(())
    h = hidden[batch["seg_b"], batch["seg_t"]]
    p = model.segproj(h)
    emb = model.segenc(batch["seg_img"])
    logits = model.maskdec.forward_batch(emb, p)
    m = batch["seg_mask"]
    bce = F.binary_cross_entropy_with_logits(logits, m)
    s = logits.sigmoid()
    dice = 1 - (2 * (s * m).sum((1, 2)) + 1) / (s.sum((1, 2)) + m.sum((1, 2)) + 1)
    return bce + dice.mean()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=24)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--out", default=".cache")
    ap.add_argument("--tokenizer", default="../models/demo/tokenizer.json")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--resume", default=None, help="checkpoint to continue from (phase 2: lower LR)")
    ap.add_argument("--seg-weight", type=float, default=1.0)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--reinit-vision", action="store_true", help="fresh GELU vision encoder (phase 2)")
    ap.add_argument("--aux-weight", type=float, default=0.0, help="vision attribute probe loss (phase 2)")
    ap.add_argument("--extra-grammar", action="store_true", help="phase 2: shapes/extra.py phrasings")
    ap.add_argument("--stop-at", type=int, default=None, help="stop early (the LR schedule still spans --steps)")
    ap.add_argument("--seg-share", type=float, default=None, help="corpus weight of segmentation exchanges")
    ap.add_argument("--max-segs", type=int, default=6, help="[SEG] targets per batch")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    os.makedirs(a.out, exist_ok=True)
    t0 = time.time()
    if a.resume:
        tok = bpe.Tokenizer.load(a.tokenizer)
    else:
        tok = build_tokenizer(a.tokenizer, a.seed)
    print(f"tokenizer: {len(tok.vocab)} tokens in {time.time() - t0:.0f}s", flush=True)
    cfg = dict(CFG)
    if a.resume:
        ck = torch.load(a.resume, map_location="cpu")
        cfg = dict(ck["cfg"])
    model = LLMBind(cfg)
    if a.resume:
        model.load_state_dict(ck["model"])
    if a.reinit_vision:
        from model import VisionEncoder
        cfg["vis_act"] = "gelu"
        model.c = cfg
        model.vis = VisionEncoder(cfg)
    aux = AuxHead(cfg["hidden"])
    params = list(model.parameters()) + (list(aux.parameters()) if a.aux_weight > 0 else [])
    opt = torch.optim.AdamW(params, lr=a.lr, weight_decay=0.01, betas=(0.9, 0.98))
    warm = a.warmup
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1, (s + 1) / warm) * (
        0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, s / a.steps)))))
    rng = np.random.default_rng(a.seed + 1)
    t0 = time.time()
    avg = None
    if a.extra_grammar:
        from shapes import extra
        extra.apply()
    if a.seg_share is not None:
        WEIGHTS["seg"] = a.seg_share
    stream = batches(tok, rng, a.batch, max_segs=a.max_segs)
    last = a.stop_at or a.steps
    for step in range(1, last + 1):
        batch = next(stream)
        emb, feats = embed_inputs(model, batch, return_feats=True)
        pos = torch.arange(emb.shape[1]).unsqueeze(0).expand(emb.shape[0], -1)
        logits, _, hidden = model.dec(emb, batch["att"], pos)
        lm = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), batch["tgt"].reshape(-1), ignore_index=-100)
        sl = seg_loss(model, batch, hidden)
        loss = lm + a.seg_weight * sl
        al = torch.zeros(())
        if a.aux_weight > 0 and feats is not None:
            al = aux.loss(feats, batch["aux"])
            loss = loss + a.aux_weight * al
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        cur = torch.tensor([lm.item(), sl.item(), al.item()])
        avg = cur if avg is None else 0.95 * avg + 0.05 * cur
        if step % 25 == 0:
            print(f"step {step} lm {avg[0]:.3f} seg {avg[1]:.3f} aux {avg[2]:.3f} lr {sched.get_last_lr()[0]:.2e} "
                  f"{(time.time() - t0) / step:.2f}s/step", flush=True)
        if step % 250 == 0 or step == last:
            torch.save({"model": model.state_dict(), "step": step, "cfg": cfg}, os.path.join(a.out, "ckpt.pt.tmp"))
            os.replace(os.path.join(a.out, "ckpt.pt.tmp"), os.path.join(a.out, "ckpt.pt"))
    print(f"done in {time.time() - t0:.0f}s", flush=True)


if __name__ == "__main__":
    main()
