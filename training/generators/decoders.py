"""The pack's "VAE decoders" (nets.UpDecoder): which exist, how a checkpoint builds them, how they are trained
(train.py --task decoder). The latent of an image is its area average, so only the decoder is learned."""
import time

import numpy as np
import torch
import torch.nn.functional as F

from training.generators import nets, scenes
from training.shapes import world

# Image and edit latents: the 4×4 area average of a 128 px render, 32×32 (a 16×16 latent cannot hold a
# small shape's outline: decoded ground-truth latents passed the checker's shape test only 57 % of the time,
# 32×32 ones ~90 % with plain bicubic upsampling). Patch 4 keeps the blocks at 8×8 tokens, as before.
IMAGE_LATENT = 32
IMAGE_FACTOR = 128 // IMAGE_LATENT

# The decoders: factor and shape per name ("image" 32→128 px, "video" 16→64 px); `decoder.pt` stores its own.
DECODERS = {"image": dict(factor=IMAGE_FACTOR), "video": dict(factor=4)}


def decoder(ck, name):
    """The eval-mode UpDecoder `name` of a decoder checkpoint (older ones carry no config: the shallow head)."""
    cfg = (ck.get("config") or {}).get(name, DECODERS[name])
    dec = nets.UpDecoder(**cfg)
    dec.load_state_dict(ck["state"][name])
    return dec.eval()


def train(args, rng):
    """--decoders (default both): the shallow heads (--ch/--blocks unset), or a deep image decoder (--blocks N:
    residual trunk, --ch wide). The names not trained are copied from --init."""
    init = torch.load(args.init) if args.init else {"state": {}}
    state = dict(init["state"])
    config = {**DECODERS, **(init.get("config") or {})}
    names = args.decoders.split(",")
    unknown = [n for n in names if n not in DECODERS]
    if unknown:
        raise SystemExit(f"--decoders: unknown {', '.join(unknown)} (known: {', '.join(DECODERS)})")
    for name in names:
        if args.blocks:
            config[name] = {**DECODERS[name], "ch": args.ch or 64, "depth": args.blocks}
            state[name] = train_deep_decoder(args, rng, name, config[name])
        else:
            state[name] = train_shallow_decoder(args, rng, name, state.get(name))
    return state, config


def train_shallow_decoder(args, rng, name, init):
    """The first recipe (kept bit-identical: the shipped video decoder): 400 renders, batches of 16."""
    factor, size = DECODERS[name]["factor"], {"image": 128, "video": 64}[name]
    torch.manual_seed(args.seed)
    dec = nets.UpDecoder(factor)
    if init is not None:
        dec.load_state_dict(init)
    steps = args.steps if name == "image" else args.steps // 3  # 4× upsampling learns faster
    opt = torch.optim.AdamW(dec.parameters(), args.lr, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    imgs = torch.tensor(np.stack([scenes.render_scene(world.sample_scene(rng), rng, size, 2)
                                  for _ in range(args.n // 4)]))

    def batch():
        x = imgs[torch.randint(0, len(imgs), (16,))]
        if rng.random() < 0.5:  # random crop of half the frame (the decoder is convolutional)
            o = int(rng.integers(0, 2)) * size // 4 // factor * factor
            x = x[:, :, o:o + size // 2, o:o + size // 2]
        return x
    return fit(name, dec, opt, sched, steps, factor, batch, every=100)


def train_deep_decoder(args, rng, name, cfg):
    """A residual-trunk decoder on --n full-size renders (float16 pool), batches of 24 random crops of
    64 px (aligned to the factor), one-cycle schedule."""
    factor, size, crop = cfg["factor"], 128 if name == "image" else 64, 64
    torch.manual_seed(args.seed)
    dec = nets.UpDecoder(**cfg)
    opt = torch.optim.AdamW(dec.parameters(), args.lr, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, args.lr, total_steps=args.steps, pct_start=0.05)
    imgs = torch.tensor(np.stack([scenes.render_scene(world.sample_scene(rng), rng, size, 2)
                                  for _ in range(args.n)])).half()

    def batch():
        x = imgs[torch.randint(0, len(imgs), (24,))].float()
        oy, ox = (int(rng.integers(0, (size - crop) // factor + 1)) * factor for _ in range(2))
        return x[:, :, oy:oy + crop, ox:ox + crop]
    return fit(name, dec, opt, sched, args.steps, factor, batch, every=200)


def fit(name, dec, opt, sched, steps, factor, batch, every):
    """L1 regression of `dec` from the (slightly noised) area average of each `batch()` back to it."""
    t0 = time.time()
    for step in range(steps):
        x = batch()
        z = F.avg_pool2d(x, factor)
        z = z + torch.randn_like(z) * 0.03  # denoisers are never exact
        loss = F.l1_loss(dec(z), x)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % every == 0:
            print(f"decoder-{name} {step} l1 {loss.item():.4f} {time.time() - t0:.0f}s", flush=True)
    return dec.state_dict()
