"""Phase 0: supervised pretraining on rendered scenes, before the LM reads them (seeded; CPU, or --device cuda).

--part vision: the slot vision encoder (model.SlotVisionEncoder) learns one scene fact per token.
--part seg:    the [SEG] image encoder + mask decoder learn to cut out an object named by a teacher prompt
               (model.TeacherPrompt: position, shape, colour, size); phase 4 teaches the seg projector to
               produce that prompt from the LM's hidden state at [SEG].
Scenes use other renderers' colours (shapes/palettes.py), wider position/size jitter and odd resolutions.
Usage: cd training && python3 pretrain.py --part vision --out .cache/vision.pt
"""
import argparse
import math
import time

import numpy as np
import torch
import torch.nn.functional as F

from data import to_pixels
from model import CFG, SegImageEncoder, MaskDecoder, SlotVisionEncoder, TeacherPrompt
from shapes import world
from shapes.palettes import sample_palette
from shapes.world import COLORS, POSITIONS, SHAPES, SIZES, render, sample_scene
from train import mask_bce_dice, trunk_only


def fact_targets(scene):
    """[5*3 per-position (shape+1 or 0, colour, size), bg, objects-1, circles, squares, triangles]."""
    t = []
    by_pos = {o["position"]: o for o in scene["objects"]}
    for p in POSITIONS:
        o = by_pos.get(p)
        t += [SHAPES.index(o["shape"]) + 1, COLORS.index(o["color"]), SIZES.index(o["size"])] if o else [0, -100, -100]
    t.append((COLORS + ["grey"]).index(scene["bg"]))
    t.append(len(scene["objects"]) - 1)
    return t + [sum(o["shape"] == s for o in scene["objects"]) for s in SHAPES]


def obj_attrs(o):
    return [POSITIONS.index(o["position"]), SHAPES.index(o["shape"]), COLORS.index(o["color"]),
            SIZES.index(o["size"])]


def draw(rng):
    scene = sample_scene(rng)
    img, masks = render(scene, rng, palette=sample_palette(rng), spread=float(rng.choice([1.0, 1.0, 1.6])))
    return scene, img, masks


def loss_acc(heads, f, t):
    """Cross-entropy over every fact, and the share of facts read right."""
    o, bg, tot, cnt = heads.logits(f)
    parts = [(o[..., :4], t[:, 0:15:3]), (o[..., 4:12], t[:, 1:15:3]), (o[..., 12:], t[:, 2:15:3]),
             (bg, t[:, 15]), (tot, t[:, 16]), (cnt, t[:, 17:20])]
    loss, right, n = 0.0, 0, 0
    for lg, y in parts:
        lg, y = lg.reshape(-1, lg.shape[-1]), y.reshape(-1)
        loss = loss + F.cross_entropy(lg, y, ignore_index=-100)
        keep = y != -100
        right += int((lg.argmax(-1)[keep] == y[keep]).sum())
        n += int(keep.sum())
    return loss, right / max(n, 1)


def scene_exact(heads, f, t):
    """Share of scenes whose every fact is read right (what an image question needs)."""
    o, bg, tot, cnt = heads.logits(f)
    pred = torch.cat([torch.stack([o[..., :4].argmax(-1), o[..., 4:12].argmax(-1), o[..., 12:].argmax(-1)], -1)
                      .reshape(len(t), 15), bg.argmax(-1, keepdim=True), tot.argmax(-1, keepdim=True),
                      cnt.argmax(-1)], 1)
    ok = (pred == t) | (t == -100)
    return float(ok.all(1).float().mean())


def batch(rng, n, part):
    items = [draw(rng) for _ in range(n)]
    pix = torch.stack([to_pixels(img) for _, img, _ in items])
    if part == "vision":
        return pix, torch.tensor([fact_targets(s) for s, _, _ in items])
    idx = [int(rng.integers(len(s["objects"]))) for s, _, _ in items]
    attrs = torch.tensor([obj_attrs(s["objects"][i]) for (s, _, _), i in zip(items, idx)])
    masks = torch.stack([torch.from_numpy(m[i]).float() for (_, _, m), i in zip(items, idx)])
    return pix, attrs, masks


def iou(logits, m):
    p, t = logits > 0, m > 0.5
    return ((p & t).sum((1, 2)).float() / (p | t).sum((1, 2)).clamp(min=1).float()).mean().item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--part", choices=["vision", "seg"], required=True)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=48)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=777)
    ap.add_argument("--out", required=True)
    ap.add_argument("--init", default=None, help="continue from this phase-0 file (a fine-tuning run)")
    ap.add_argument("--resample", default="", help="shapes.world.RESAMPLE, e.g. bilinear,lanczos")
    ap.add_argument("--device", default="cpu", help="cpu, or cuda on a GPU machine (seeded, not bit-exact there)")
    a = ap.parse_args()
    if a.device.startswith("cuda") and not torch.cuda.is_available():
        ap.error(f"--device {a.device}: torch sees no CUDA device here; use --device cpu")
    if a.resample:
        world.RESAMPLE = tuple(a.resample.split(","))
    torch.set_num_threads(1)
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    cfg = dict(CFG)
    if a.part == "vision":
        mods = {"vis": SlotVisionEncoder(cfg)}  # its FactHeads are trained here, its projector in phase 4
    else:
        mods = {"segenc": SegImageEncoder(cfg), "maskdec": MaskDecoder(cfg), "teacher": TeacherPrompt(cfg)}
    if a.init:
        ck = torch.load(a.init, map_location="cpu")
        for k, m in mods.items():
            m.load_state_dict(trunk_only(ck[k]) if k == "vis" else ck[k], strict=False)
    for m in mods.values():
        m.to(a.device)
    params = [p for m in mods.values() for p in m.parameters()]
    opt = torch.optim.AdamW(params, lr=a.lr, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1, (s + 1) / 100) * 0.5 * (
        1 + math.cos(math.pi * min(1.0, s / a.steps))))

    def run(b):
        b = [t.to(a.device) for t in b]
        if a.part == "vision":
            pix, t = b
            return loss_acc(mods["vis"].heads, mods["vis"].facts(pix), t)
        pix, attrs, m = b
        lg = mods["maskdec"].forward_batch(mods["segenc"](pix), mods["teacher"](attrs))
        return mask_bce_dice(lg, m), iou(lg, m)

    t0, avg = time.time(), None
    for step in range(1, a.steps + 1):
        loss, acc = run(batch(rng, a.batch, a.part))
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        avg = (loss.item(), acc) if avg is None else (0.95 * avg[0] + 0.05 * loss.item(), 0.95 * avg[1] + 0.05 * acc)
        if step % 50 == 0:
            print(f"step {step} loss {avg[0]:.3f} acc/iou {avg[1]:.3f} {(time.time() - t0) / step:.2f}s/step", flush=True)
    # Held-out check on scenes from another seed range.
    vrng = np.random.default_rng(a.seed + 10_000)
    with torch.no_grad():
        for m in mods.values():
            m.eval()
        b = [t.to(a.device) for t in batch(vrng, 400, a.part)]
        loss, acc = run(b)
        extra = f", scenes fully right {scene_exact(mods['vis'].heads, mods['vis'].facts(b[0]), b[1]):.3f}" \
            if a.part == "vision" else ""
    print(f"held-out: loss {loss.item():.3f} fact accuracy / mean IoU {acc:.3f}{extra}", flush=True)
    cpu = lambda m: {k: v.cpu() for k, v in m.state_dict().items()}  # noqa: E731
    torch.save({k: cpu(m) for k, m in mods.items()} | {"heldout": acc}, a.out)


if __name__ == "__main__":
    main()
