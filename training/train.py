"""Joint training of the decoder LM, vision encoder and [SEG] heads on generated dialogues (seeded, CPU)."""
import argparse
import copy
import functools
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

import bpe
import data
from data import batches, embed_inputs
from model import CFG, LLMBind, TeacherPrompt
from shapes import dialogue as dialogue_kinds
from shapes import corpus, world
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


class DecisionProbe(torch.nn.Module):
    """Training-only (not exported): reads "yes" vs "no" from the residual after decoder block `layer` at the
    token before the decision (" S" "o" → " y…"/" no" in --exists-list answers): deep supervision of the one
    token that matters. Phase 8's residual there held the asked and the listed colour (linear probes after
    block 1: 84 % and 93 %) but the LM never learned to compare them, even with balanced data; with this
    probe it did within 1,000 steps (phase 9: absent objects get "yes" 2 % of the time instead of 100 %)."""

    def __init__(self, tok, hidden, layer):
        super().__init__()
        self.so = tok.encode(" So")
        self.yes, self.no = tok.encode(" yes")[0], tok.encode(" no")[0]
        self.lin = torch.nn.Linear(hidden, 2)
        self.layer = layer
        self.x = None

    def attach(self, dec):
        dec.blocks[self.layer].register_forward_hook(lambda mod, inp, out: setattr(self, "x", out[0]))

    def loss(self, batch):
        ids, tgt = batch["ids"], batch["tgt"]
        at = (ids[:, :-1] == self.so[0]) & (ids[:, 1:] == self.so[1]) & (
            (tgt[:, 1:] == self.yes) | (tgt[:, 1:] == self.no))
        b, t = at.nonzero(as_tuple=True)
        if len(b) == 0:
            return torch.zeros((), device=ids.device)
        x = self.x[b, t + 1]
        return F.cross_entropy(self.lin(F.layer_norm(x, x.shape[-1:])), (tgt[b, t + 1] == self.yes).long())


def seg_loss(model, batch, hidden, teacher=None, distill=0.0):
    """BCE + dice of the mask decoded from the hidden state at [SEG]; with a phase-0 teacher the image
    encoder and mask decoder are frozen, and the seg projector is also pulled towards the teacher's prompt."""
    if batch["seg_img"] is None:
        return torch.zeros((), device=hidden.device)
    h = hidden[batch["seg_b"], batch["seg_t"]]
    p = model.segproj(h)
    if teacher is not None:
        with torch.no_grad():
            emb = model.segenc(batch["seg_img"])
            want = teacher(batch["seg_attr"])
        logits = model.maskdec.forward_batch(emb, p)
        return mask_bce_dice(logits, batch["seg_mask"]) + distill * F.mse_loss(p, want) / want.pow(2).mean()
    emb = model.segenc(batch["seg_img"])
    logits = model.maskdec.forward_batch(emb, p)
    return mask_bce_dice(logits, batch["seg_mask"])


def mask_bce_dice(logits, m):
    bce = F.binary_cross_entropy_with_logits(logits, m)
    s = logits.sigmoid()
    dice = 1 - (2 * (s * m).sum((1, 2)) + 1) / (s.sum((1, 2)) + m.sum((1, 2)) + 1)
    return bce + dice.mean()


# Words whose embeddings start the vision projector (one per FactHeads.probs dim; None = zero) and the
# per-token embeddings (the five positions, then background, object count, circles, squares, triangles).
FACT_WORDS = [None, "circle", "square", "triangle", "red", "green", "blue", "yellow", "purple", "orange", "white",
              "black", "small", "large", "red", "green", "blue", "yellow", "purple", "orange", "white", "black",
              "grey", "1", "2", "3", "no", "1", "2", "3"]
TOKEN_WORDS = ["left", "right", "top", "bottom", "center", "background", "shapes", "circles", "squares", "triangles"]


def word_init(vis, embed, tok):
    """Starts the slot encoder's projector and token embeddings at the LM's own word embeddings."""
    with torch.no_grad():
        row = lambda w: embed[tok.encode(" " + w)].mean(0)  # noqa: E731 (all single tokens in the shipped BPE)
        vis.proj.weight.copy_(torch.stack([row(w) if w else torch.zeros(embed.shape[1]) for w in FACT_WORDS], 1))
        vis.token.copy_(torch.stack([row(w) for w in TOKEN_WORDS]).unsqueeze(0))


def trunk_only(vis_state):
    """A phase-0 vision state without its projector and token embeddings (those are trained in phase 4+)."""
    return {k: v for k, v in vis_state.items() if not k.startswith(("proj.", "token"))}


def load_phase0(model, cfg, vision, seg, tok):
    """Phase 4: swap in phase 0's slot vision encoder and [SEG] image encoder + mask decoder, frozen
    (only the vision projector, which maps the facts into the LM, and the seg projector keep training)."""
    teacher = None
    resumed = cfg.get("phase0", False)  # a phase-4 checkpoint: keep its trained projectors
    if vision:
        from model import SlotVisionEncoder
        if not resumed:
            cfg.update(vis_kind="slots", img_tokens=SlotVisionEncoder.SLOTS)
            model.vis = SlotVisionEncoder(cfg)
            ck = torch.load(vision, map_location="cpu")
            # A phase-0 file holds the trunk and heads; the projector and token embeddings start fresh.
            model.vis.load_state_dict(trunk_only(ck["vis"]), strict=False)
            if "heads" in ck:  # written before the heads moved into SlotVisionEncoder
                model.vis.heads.load_state_dict(ck["heads"])
            word_init(model.vis, model.dec.embed.weight, tok)
        for n, p in model.vis.named_parameters():
            p.requires_grad_(n.startswith(("proj.", "token", "vtype")))
    if seg:
        ck = torch.load(seg, map_location="cpu")
        model.segenc.load_state_dict(ck["segenc"])
        model.maskdec.load_state_dict(ck["maskdec"])
        teacher = TeacherPrompt(cfg)
        teacher.load_state_dict(ck["teacher"])
        for p in [*model.segenc.parameters(), *model.maskdec.parameters(), *teacher.parameters()]:
            p.requires_grad_(False)
        if not resumed:
            model.segproj = type(model.segproj)(cfg)
    cfg["phase0"] = bool(vision and seg)
    model.c = cfg
    return teacher


def grow(model, cfg, after):
    """Block expansion (LLaMA Pro): after each listed block, a copy of it whose output projections (attention
    `o`, MLP `down`) start at zero, so the deeper model computes exactly what the shallower one did and the
    new blocks add capacity from there."""
    blocks = []
    for i, blk in enumerate(model.dec.blocks):
        blocks.append(blk)
        if i in after:
            new = copy.deepcopy(blk)
            with torch.no_grad():
                new.o.weight.zero_()
                new.down.weight.zero_()
            blocks.append(new)
    model.dec.blocks = torch.nn.ModuleList(blocks)
    cfg["layers"] = len(blocks)


# Grammar extensions (shapes/extra.py) in the order they are applied, each with the flag it builds on; the order
# is part of the recipe (each phase's data is drawn from the lists as these leave them).
GRAMMAR = [("terse_requests", "apply_terse", "extra_grammar"), ("registers", "apply_registers", "terse_requests"),
           ("phrasings", "apply_phrasings", "extra_grammar"), ("scope", "apply_scope", "extra_grammar"),
           ("labels", "apply_labels", "scope"), ("sound_labels", "apply_sound_labels", "labels"),
           ("nouns", "apply_nouns", "scope")]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=24)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--out", default=".cache")
    ap.add_argument("--tokenizer", default="../models/demo/tokenizer.json")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--workers", type=int, default=1,
                    help="1: draw batches in a forked process beside training (same stream as 0, ~15 %% faster); "
                         "N > 1: N processes, each its own seeded stream (a GPU machine: data is the bottleneck)")
    ap.add_argument("--device", default="cpu", help="cpu, or cuda on a GPU machine (seeded, not bit-exact there)")
    ap.add_argument("--resume", default=None, help="checkpoint to continue from (phase 2: lower LR)")
    ap.add_argument("--seg-weight", type=float, default=1.0)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--reinit-vision", action="store_true", help="fresh GELU vision encoder (phase 2)")
    ap.add_argument("--aux-weight", type=float, default=0.0, help="vision attribute probe loss (phase 2)")
    ap.add_argument("--extra-grammar", action="store_true", help="phase 2: shapes/extra.py phrasings")
    ap.add_argument("--stop-at", type=int, default=None, help="stop early (the LR schedule still spans --steps)")
    ap.add_argument("--seg-share", type=float, default=None, help="corpus weight of segmentation exchanges")
    ap.add_argument("--max-segs", type=int, default=6, help="[SEG] targets per batch")
    ap.add_argument("--vision-ckpt", default=None, help="phase 4: phase 0's slot vision encoder (frozen)")
    ap.add_argument("--seg-ckpt", default=None, help="phase 4: phase 0's [SEG] image encoder + mask decoder")
    ap.add_argument("--distill", type=float, default=1.0, help="weight of the teacher-prompt loss (phase 4)")
    ap.add_argument("--span-weight", type=float, default=1.0,
                    help="LM loss weight of task-span tokens (the attributes copied from the request)")
    ap.add_argument("--vis-seq", action="store_true",
                    help="one image token per scene fact (model.SEQ_ORDER) instead of one per slot; keeps the projector")
    ap.add_argument("--max-len", type=int, default=192, help="longest dialogue in tokens (longer ones are redrawn)")
    ap.add_argument("--answer-weight", type=float, default=1.0,
                    help="LM loss weight of answers about an attached image (questions, descriptions)")
    ap.add_argument("--vision-trunk", default=None, help="phase-0 file whose trunk and fact heads replace the model's")
    ap.add_argument("--spread", type=float, default=1.0, help="scales the renderer's position/size jitter")
    ap.add_argument("--resample", default="", help="shapes.world.RESAMPLE, e.g. bilinear,lanczos")
    ap.add_argument("--terse-requests", action="store_true", help="with --extra-grammar: verbless requests (shapes/extra.py)")
    ap.add_argument("--lower-user", action="store_true",
                    help="lower-case user text before encoding (shapes/corpus.py USER_CASE; exported as userCase)")
    ap.add_argument("--registers", action="store_true",
                    help="with --terse-requests: more capitals/title case and bare requests (shapes/extra.py)")
    ap.add_argument("--scope", action="store_true",
                    help="with --extra-grammar: leaving, declining, what the bot can make (shapes/extra.apply_scope)")
    ap.add_argument("--labels", action="store_true",
                    help="with --scope: bare commands and sound labels (shapes/extra.apply_labels)")
    ap.add_argument("--sound-labels", action="store_true",
                    help="with --labels: sound labels written pitch first (shapes/extra.apply_sound_labels)")
    ap.add_argument("--nouns", action="store_true",
                    help="with --scope: unknown things with colours, sizes, places; praise (shapes/extra.apply_nouns)")
    ap.add_argument("--phrasings", action="store_true",
                    help="with --extra-grammar: session-13 request phrasings (shapes/extra.apply_phrasings)")
    ap.add_argument("--exists-list", action="store_true", help="yes/no answers list the shape's colours first (shapes/dialogue.py)")
    ap.add_argument("--exists-balance", type=float, default=None,
                    help="share of yes/no questions about an object that is there (shapes/dialogue.py)")
    ap.add_argument("--decision-probe", type=float, default=0.0, help="weight of DecisionProbe's loss")
    ap.add_argument("--probe-layer", type=int, default=1, help="DecisionProbe reads this block's output")
    ap.add_argument("--question-cuts", default="", help="shapes.dialogue.Q_CUTS, e.g. 0.1,0.32,0.46,0.58,0.66,0.9")
    ap.add_argument("--grow-after", default="", help="block expansion: copy these blocks, zero-output (e.g. 1,3)")
    ap.add_argument("--mix", default="", help="corpus weights, e.g. question=0.2,describe=0.1")
    a = ap.parse_args()
    if a.workers < 0:
        ap.error("--workers: 0 (in-process), 1 (one forked worker) or more")
    if a.device.startswith("cuda") and not torch.cuda.is_available():
        ap.error(f"--device {a.device}: torch sees no CUDA device here; use --device cpu")
    for flag, _, needs in GRAMMAR:
        if getattr(a, flag) and not getattr(a, needs):
            ap.error(f"--{flag.replace('_', '-')} extends the --{needs.replace('_', '-')} lists; pass both")
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
    if a.grow_after:
        parts = a.grow_after.split(",")
        after = {int(i) for i in parts if i.strip().isdigit()}
        if len(after) != len(parts) or not after <= set(range(cfg["layers"])):
            ap.error(f"--grow-after: distinct blocks numbered 0..{cfg['layers'] - 1}, got {a.grow_after}")
        grow(model, cfg, after)
    if not a.resume and (a.vision_ckpt or a.seg_ckpt):
        # A fresh run: phase 0's modules go in first, so --vis-seq below converts the slot encoder (the call
        # further down then only re-freezes them, as for a resumed phase-4+ checkpoint).
        load_phase0(model, cfg, a.vision_ckpt, a.seg_ckpt, tok)
    if a.vis_seq and not cfg.get("vis_seq"):
        from model import SEQ_ORDER, SlotVisionEncoder
        cfg.update(vis_seq=True, img_tokens=len(SEQ_ORDER))
        old = model.vis.state_dict()
        model.vis = SlotVisionEncoder(cfg)
        model.vis.load_state_dict(old, strict=False)  # trunk, heads, projector and name tokens carry over
        model.c = cfg
    if a.vision_trunk:  # a fine-tuned phase-0 trunk and fact heads; this phase's projector keeps training
        model.vis.load_state_dict(trunk_only(torch.load(a.vision_trunk, map_location="cpu")["vis"]), strict=False)
    if a.reinit_vision:
        from model import VisionEncoder
        cfg["vis_act"] = "gelu"
        model.c = cfg
        model.vis = VisionEncoder(cfg)
    teacher = load_phase0(model, cfg, a.vision_ckpt, a.seg_ckpt, tok) if (a.vision_ckpt or a.seg_ckpt) else None
    data.IMG_TOKENS = cfg["img_tokens"]
    aux = AuxHead(cfg["hidden"])
    params = [p for p in model.parameters() if p.requires_grad] + (list(aux.parameters()) if a.aux_weight > 0 else [])
    probe = DecisionProbe(tok, cfg["hidden"], a.probe_layer) if a.decision_probe > 0 else None
    if probe is not None:
        probe.attach(model.dec)
        params += list(probe.parameters())
    for mod in (model, teacher, aux, probe):
        if mod is not None:
            mod.to(a.device)
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
        for flag, fn, _ in GRAMMAR:
            if getattr(a, flag):
                getattr(extra, fn)()
    if a.seg_share is not None:
        WEIGHTS["seg"] = a.seg_share
    if a.resample:
        world.RESAMPLE = tuple(a.resample.split(","))
    if a.spread != 1.0:  # wider position/size jitter, as other renderers draw
        data.render = functools.partial(world.render, spread=a.spread)
    if a.exists_list:
        cfg["exists_list"] = True
    if a.lower_user:
        cfg["user_case"] = "lower"
    corpus.USER_CASE = cfg.get("user_case", "keep")  # the exported chatTemplate.userCase
    dialogue_kinds.EXISTS_LIST = bool(cfg.get("exists_list"))
    if probe is not None and not dialogue_kinds.EXISTS_LIST:
        ap.error("--decision-probe reads the decision of --exists-list answers; pass --exists-list")
    dialogue_kinds.EXISTS_BALANCE = a.exists_balance
    if a.question_cuts:
        dialogue_kinds.Q_CUTS = tuple(float(x) for x in a.question_cuts.split(","))
    for kv in filter(None, a.mix.split(",")):
        k, v = kv.split("=")
        WEIGHTS[k] = float(v)
    # One worker continues the main rng (the CPU recipe's stream); each of N > 1 seeds its own from the seed.
    own = lambda k: rng if a.workers <= 1 else np.random.default_rng([a.seed + 1, k])  # noqa: E731
    stream = data.prefetched(lambda k: batches(tok, own(k), a.batch, max_len=a.max_len, max_segs=a.max_segs),
                             a.workers)
    last = a.stop_at or a.steps
    for step in range(1, last + 1):
        batch = data.to_device(next(stream), a.device)
        emb, feats = embed_inputs(model, batch, return_feats=True)
        pos = torch.arange(emb.shape[1], device=emb.device).unsqueeze(0).expand(emb.shape[0], -1)
        logits, _, hidden = model.dec(emb, batch["att"], pos)
        lm = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), batch["tgt"].reshape(-1), ignore_index=-100,
                             reduction="none")
        w = 1 + (a.span_weight - 1) * batch["span"].reshape(-1).float() \
            + (a.answer_weight - 1) * batch["answer"].reshape(-1).float()
        lm = (lm * w).sum() / (batch["tgt"] != -100).sum().clamp(min=1)
        sl = seg_loss(model, batch, hidden, teacher, a.distill)
        loss = lm + a.seg_weight * sl
        al, pl = torch.zeros(()), torch.zeros(())  # logged only
        if probe is not None:
            pl = probe.loss(batch)
            loss = loss + a.decision_probe * pl
        if a.aux_weight > 0 and feats is not None:
            al = aux.loss(feats, batch["aux"])
            loss = loss + a.aux_weight * al
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        cur = torch.tensor([lm.item(), sl.item(), al.item(), pl.item()])
        avg = cur if avg is None else 0.95 * avg + 0.05 * cur
        if step % 25 == 0:
            print(f"step {step} lm {avg[0]:.3f} seg {avg[1]:.3f} aux {avg[2]:.3f} probe {avg[3]:.3f} lr {sched.get_last_lr()[0]:.2e} "
                  f"{(time.time() - t0) / step:.2f}s/step", flush=True)
        if step % 250 == 0 or step == last:
            state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
            torch.save({"model": state, "step": step, "cfg": cfg}, os.path.join(a.out, "ckpt.pt.tmp"))
            os.replace(os.path.join(a.out, "ckpt.pt.tmp"), os.path.join(a.out, "ckpt.pt"))
    print(f"done in {time.time() - t0:.0f}s", flush=True)


if __name__ == "__main__":
    main()
