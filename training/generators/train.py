"""Trains one generator of the demo pack on the shapes world (seeded; CPU, or a GPU with --device).

  /usr/bin/python3 -m training.generators.train --task decoder|image|audio|video|edit --steps N [--out DIR]
  python3 -m training.generators.train --task image|edit --device cuda --workers 4 --batch 256 ...

decoder: the 4× (image, 32→128 px) and 4× (video, 16→64 px) upsampling "VAE decoders" (regression on renders;
decoders.py; --decoders image --ch 64 --blocks 3: the deep image decoder);
image/audio/video: text encoder + x0-predicting denoiser (uniform t, 10 % empty prompts for CFG).
Checkpoints go to training/.cache/generators/<task>.pt.
"""
import argparse
import functools
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

from training.generators import decoders, diffusion, edits, nets, scenes, sounds, stream, vocab, videos
from training.shapes import world

CACHE = os.path.join(os.path.dirname(__file__), "..", ".cache", "generators")

IMAGE_LATENT, IMAGE_FACTOR = decoders.IMAGE_LATENT, decoders.IMAGE_FACTOR

# Denoiser shapes per task: latent [C,(F,)h,w].
CONFIG = {
    "image": dict(channels=3, ch=64, blocks=4, patch=4, up_head=True),
    "audio": dict(channels=2, ch=48, blocks=4),
    "video": dict(channels=3, ch=48, blocks=4, frames=videos.FRAMES),
    "edit": dict(channels=3, ch=64, blocks=4, cond_channels=3, residual=True, patch=4, up_head=True, gated=True),
}
EDIT_SIZES = [32, 32, 32, 32, 24, 16]  # latent sides (maxSide 128 → 32; smaller inputs give less)
EDIT_MULTIPLE = IMAGE_FACTOR * 4  # image sides the edit UNet takes: VAE factor × patch


# Text-encoder options per task (nets.TextEncoder): words that start the second part of a prompt (a
# learned segment embedding) and zeroed padding rows. Without zero_pad the denoiser's unmasked
# cross-attention reads ~30 padding rows that each summarise the prompt as a bag of words, so it cannot
# bind colour to position (image) or motion to shape (video). Edit keeps the original encoder.
SEPARATORS = {"audio": sounds.SEPARATORS, "video": videos.SEPARATORS}
ZERO_PAD = ("audio", "image", "video")


def build(task, v, config=None):
    """Text encoder and denoiser of `task`; `config` (a checkpoint's) overrides CONFIG's shape."""
    sep = [v[w] for w in SEPARATORS.get(task, ())]
    return nets.TextEncoder(len(v), sep_ids=sep, zero_pad=task in ZERO_PAD), nets.Denoiser(**(config or CONFIG[task]))


def image_data(rng, n):
    scenes_ = [world.sample_scene(rng) for _ in range(n)]
    lat = np.stack([scenes.render_scene(s, rng, IMAGE_LATENT, IMAGE_FACTOR) for s in scenes_])
    return scenes_, torch.tensor(lat)


def batch_prompts(rng, v, texts, drop=0.1):
    ids, masks = zip(*(vocab.tokenize(v, "" if rng.random() < drop else t) for t in texts))
    return torch.tensor(ids), torch.tensor(masks)


def warm_start(args, enc, den):
    """--init: continue a run (a warm restart of the one-cycle schedule)."""
    if args.init:
        init = torch.load(args.init, map_location="cpu")["state"]
        missing = enc.load_state_dict(init["enc"], strict=False).missing_keys  # e.g. a new segment embedding
        if missing:
            print("init: new text-encoder parameters", missing, flush=True)
        den.load_state_dict(init["den"])


def image_batch(v, batch, rng):
    """One batch of fresh scenes (--workers): prompts, then their latents."""
    scenes_ = [world.sample_scene(rng) for _ in range(batch)]
    lat = torch.tensor(np.stack([scenes.render_scene(s, rng, IMAGE_LATENT, IMAGE_FACTOR) for s in scenes_]))
    return (*batch_prompts(rng, v, [scenes.image_prompt(rng, s) for s in scenes_]), lat)


def edit_batch_any(v, batch, rng):
    """One edit batch at a random latent side (what the CPU path draws per step)."""
    return edit_batch(rng, v, batch, EDIT_SIZES[int(rng.integers(len(EDIT_SIZES)))])


def pooled_source(args, rng, v):
    """The CPU path: a pre-rendered pool (image, audio, video) sampled with `rng` every step."""
    task = args.task
    t0 = time.time()
    if task == "image":
        data, lat = image_data(rng, args.n)
        prompt = scenes.image_prompt
    elif task == "audio":
        items = [sounds.sample_sound(rng, args.two_part) for _ in range(args.n)]
        data, lat, prompt = [p for p, _ in items], torch.tensor(np.stack([s for _, s in items])), sounds.prompt
    else:
        items = [videos.sample_video(rng) for _ in range(args.n)]
        data, lat, prompt = [c for c, _ in items], torch.tensor(np.stack([x for _, x in items])), videos.prompt
    print(f"data {lat.shape} in {time.time() - t0:.0f}s", flush=True)

    def next_batch():
        idx = rng.integers(0, len(lat), args.batch)
        return (*batch_prompts(rng, v, [prompt(rng, data[i]) for i in idx]), lat[torch.tensor(idx)])
    return next_batch


def denoise_loss(task, enc, den):
    """Loss of one batch (ids, mask, x0[, source latents]) for `task`'s denoiser."""
    def loss_of(ids, mask, x0, src=None):
        xt, t = diffusion.noisy(x0)
        if task == "edit":
            loss = F.mse_loss(den(xt, t, enc(ids, mask), src), x0)
            # The gate learns where the source must change (everywhere when the source was dropped for CFG).
            changed = ((src - x0).abs().amax(1, keepdim=True) > 0.02).float()
            return loss + 0.1 * F.binary_cross_entropy_with_logits(den.gate_logits, changed)
        pred = den(xt, t, enc(ids, mask))
        if task == "audio":
            # Sounds are sparse in the score: weight the sounding cells so silence does not dominate.
            return ((pred - x0) ** 2 * (1 + 4 * (x0 > -0.9).float())).mean()
        return F.mse_loss(pred, x0)
    return loss_of


def train_denoiser(args, rng, v, config, device):
    """Text encoder + denoiser of image, audio, video or edit; batches from the pool (CPU path), fresh
    ones per step (edit), or from --workers processes (image, edit: the accelerator path)."""
    task = args.task
    torch.manual_seed(args.seed)
    enc, den = build(task, v, config)
    warm_start(args, enc, den)
    enc, den = enc.to(device), den.to(device)
    params = list(enc.parameters()) + list(den.parameters())
    print(f"{task}: {sum(p.numel() for p in params) / 1e3:.0f}k params on {device}", flush=True)
    opt = torch.optim.AdamW(params, args.lr, weight_decay=0.01)
    if args.workers:
        make = {"image": image_batch, "edit": edit_batch_any}[task]
        next_batch = functools.partial(next, stream.loader(functools.partial(make, v, args.batch), args.seed,
                                                           args.workers))
    elif task == "edit":
        next_batch = functools.partial(edit_batch_any, v, args.batch, rng)
    else:
        next_batch = pooled_source(args, rng, v)
    loss_of = denoise_loss(task, enc, den)
    fetch = lambda: loss_of(*(x.to(device, non_blocking=True) for x in next_batch()))  # noqa: E731
    started = time.time()
    steps = args.steps
    if args.time_budget:
        steps = stream.calibrate(lambda: (fetch().backward(), opt.zero_grad()), device, args.time_budget, started,
                                 warm=10 + 4 * args.workers)  # 4: the loader's prefetch_factor
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, args.lr, total_steps=steps, pct_start=0.05)
    t0 = time.time()
    state = lambda: {"enc": enc.state_dict(), "den": den.state_dict()}  # noqa: E731
    for step in range(min(steps, args.stop_at or steps)):
        loss = fetch()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        if step % 50 == 0 or step == steps - 1:
            print(f"{task} {step} loss {loss.item():.4f} {time.time() - t0:.0f}s", flush=True)
        if args.save_every and step % args.save_every == args.save_every - 1:
            save(args, config, state(), step + 1)
        if args.time_budget and time.time() - started > 1.15 * args.time_budget:
            print(f"deadline: stopped at step {step + 1} of {steps}", flush=True)
            break
    return state()


def edit_batch(rng, v, n, side):
    """Rendered on the fly (cheap at latent size): triples at one latent side per batch."""
    metas, src, tgt = [], [], []
    for _ in range(n):
        meta, a, b = edits.sample_pair(rng, side, 128 // side)
        metas.append(meta)
        src.append(a)
        tgt.append(b)
    src, tgt = torch.tensor(np.stack(src)), torch.tensor(np.stack(tgt))
    texts = [edits.prompt(rng, m) for m in metas]
    drop = rng.random(n)
    texts = ["" if d < 0.1 else t for d, t in zip(drop, texts)]  # text dropped (alone or with the image)
    keep = torch.tensor([0.0 if 0.05 <= d < 0.15 else 1.0 for d in drop])[:, None, None, None]
    ids, mask = batch_prompts(rng, v, texts, drop=0)
    return ids, mask, tgt, src * keep


def save(args, config, state, step=None):
    """The checkpoint export.py and evaluate.py read (`config`: the denoiser's shape)."""
    path = os.path.join(args.out, f"{args.task}.pt")
    cpu = {k: {n: t.cpu() for n, t in d.items()} for k, d in state.items()}
    torch.save({"state": cpu, "vocab": vocab.build_vocab(), "config": config, "args": vars(args), "step": step},
               path + ".tmp")
    os.replace(path + ".tmp", path)
    print("saved", path, flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--task", required=True, choices=["decoder", "image", "audio", "video", "edit"])
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--n", type=int, default=12000, help="pre-rendered training examples")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default=CACHE)
    ap.add_argument("--init", default=None, help="continue from this checkpoint")
    ap.add_argument("--two-part", type=float, default=0.3, help="audio: share of two-part sounds in the data")
    ap.add_argument("--decoders", default="image,video", help="decoder: which to train (others: from --init)")
    ap.add_argument("--device", default="cpu", help="cpu, or cuda for the accelerator path")
    ap.add_argument("--workers", type=int, default=0, help="image/edit: batch-making processes (0: in-process)")
    ap.add_argument("--time-budget", type=float, default=0, help="seconds: sets --steps from measured speed")
    ap.add_argument("--stop-at", type=int, default=0, help="stop early (the LR schedule still spans --steps)")
    ap.add_argument("--save-every", type=int, default=0, help="also save every N steps (long runs)")
    ap.add_argument("--ch", type=int, default=0, help="denoiser width (0: CONFIG's); decoder: trunk width")
    ap.add_argument("--blocks", type=int, default=0, help="denoiser blocks (0: CONFIG's); decoder: trunk depth")
    ap.add_argument("--edit-ops", default="", help="edit: weights of " + ",".join(edits.OPS) + " (default "
                    + ",".join(map(str, edits.OP_P)) + "); the weak ones more often in a warm restart")
    args = ap.parse_args()
    if args.edit_ops:
        w = [float(x) for x in args.edit_ops.split(",")]
        if len(w) != len(edits.OPS) or min(w) < 0 or sum(w) <= 0:
            ap.error(f"--edit-ops: {len(edits.OPS)} non-negative weights ({','.join(edits.OPS)})")
        edits.OP_P = [x / sum(w) for x in w]
    torch.set_num_threads(args.threads)
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = True  # no effect on CPU
    rng = np.random.default_rng(args.seed)
    v = vocab.build_vocab()
    os.makedirs(args.out, exist_ok=True)
    config = CONFIG.get(args.task)
    if config and (args.ch or args.blocks):
        config = {**config, "ch": args.ch or config["ch"], "blocks": args.blocks or config["blocks"]}
    if args.task == "decoder":
        state, config = decoders.train(args, rng)
    else:
        state = train_denoiser(args, rng, v, config, torch.device(args.device))
    save(args, config, state)


if __name__ == "__main__":
    main()
