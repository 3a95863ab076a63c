"""Held-out evaluation of the generators with the classical checker (checker.py).

  /usr/bin/python3 -m training.eval.generators.evaluate [--tasks image,audio,video] [--n 100] [--json out.json]

Samples with the trained torch checkpoints and the runtime's sampler (DDIM, `leading`, CFG in ε
space, the steps/guidance of export.SAMPLING), decodes with the exported decoders' torch twins and
judges the media. Prompts are drawn with another seed than training and phrased both canonically
(what the LLM emits) and as user paraphrases.
"""
import argparse
import json
import os
import time

import numpy as np
import torch

from training.eval.generators import checker
from training.generators import decoders, diffusion, edits, export, scenes, sounds, train, videos, vocab
from training.shapes import world


def load(task, ckpt, v):
    ck = torch.load(os.path.join(ckpt, f"{task}.pt"))
    enc, den = train.build(task, v, ck.get("config"))
    enc.load_state_dict(ck["state"]["enc"])
    den.load_state_dict(ck["state"]["den"])
    return enc.eval(), den.eval()


def encode(enc, v, texts):
    ids, mask = zip(*(vocab.tokenize(v, t) for t in texts))
    with torch.no_grad():
        return enc(torch.tensor(ids), torch.tensor(mask))


def generate(task, enc, den, v, prompts, shape, seed, steps=None, guidance=None):
    s = export.SAMPLING[task]
    g = torch.Generator().manual_seed(seed)
    ctx, unc = encode(enc, v, prompts), encode(enc, v, [""] * len(prompts))
    return diffusion.sample(den, ctx, unc, (len(prompts), *shape), steps or s["steps"],
                            s["guidanceScale"] if guidance is None else guidance, g)


def to_uint8(x):
    return ((x.clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).numpy()


def eval_image(enc, den, dec, v, rng, n, paraphrase, **kw):
    sc = [world.sample_scene(rng) for _ in range(n)]
    prompts = [scenes.image_prompt(rng, s) if paraphrase else world.caption(s) for s in sc]
    with torch.no_grad():
        imgs = to_uint8(dec(generate("image", enc, den, v, prompts, (3, train.IMAGE_LATENT, train.IMAGE_LATENT), 1, **kw)))
    res = [checker.check_image(im, s) for im, s in zip(imgs, sc)]
    return {k: float(np.mean([r[k] for r in res])) for k in res[0]}, imgs, prompts


def eval_audio(enc, den, v, rng, n, paraphrase, **kw):
    items = [sounds.sample_sound(rng)[0] for _ in range(n)]
    prompts = [sounds.prompt(rng, p) if paraphrase else sounds.caption(p) for p in items]
    lat = generate("audio", enc, den, v, prompts, (2, sounds.FRAMES, sounds.BINS), 2, **kw)
    waves = [sounds.synth(x.numpy()) for x in lat]
    ok = [checker.check_audio(w, p) for w, p in zip(waves, items)]
    kinds = {}
    for o, p in zip(ok, items):  # breakdown: single pieces by kind (beeps by count), two-part prompts
        k = "two-part" if len(p) == 2 else f"beeps{p[0]['count']}" if p[0]["kind"] == "beeps" else p[0]["kind"]
        kinds.setdefault(k, []).append(o)
    return {"class": float(np.mean(ok)), "by_kind": {k: f"{sum(v)}/{len(v)}" for k, v in sorted(kinds.items())}}


def eval_video(enc, den, dec, v, rng, n, paraphrase, **kw):
    clips = [videos.sample_clip(rng) for _ in range(n)]
    prompts = [videos.prompt(rng, c) if paraphrase else videos.caption(c) for c in clips]
    lat = generate("video", enc, den, v, prompts, (3, videos.FRAMES, 16, 16), 3, **kw)
    ok = []
    with torch.no_grad():
        for x, c in zip(lat, clips):
            frames = to_uint8(dec(x.transpose(0, 1)))
            ok.append(checker.check_video(frames, c))
    return {"motion_identity": float(np.mean(ok))}


def eval_edit(enc, den, dec, v, rng, n, paraphrase, steps=None, guidance=None):
    """Edit held-out triples: the target scene is drawn (checker.check_image) and pixels outside the
    edited object(s) stay within 12 grey levels on average of the source."""
    s = export.SAMPLING["edit"]
    metas, src64, tgt64, lat = [], [], [], []
    for _ in range(n):
        meta = edits.sample_edit(rng)
        state = rng.bit_generator.state
        a, b = edits.render_pair(meta[0], meta[1], rng, 128, 2)
        rng.bit_generator.state = state
        la, _ = edits.render_pair(meta[0], meta[1], rng, train.IMAGE_LATENT, train.IMAGE_FACTOR)  # same jitter, latent size
        metas.append(meta)
        src64.append(a)
        tgt64.append(b)
        lat.append(la)
    prompts = [m[4] if paraphrase else m[3] for m in metas]
    g = torch.Generator().manual_seed(4)
    ctx, unc = encode(enc, v, prompts), encode(enc, v, [""] * n)
    z = diffusion.sample_edit(den, ctx, unc, torch.tensor(np.stack(lat)), steps or s["steps"],
                              s["guidanceScale"] if guidance is None else guidance, s["imageGuidanceScale"], g)
    with torch.no_grad():
        out = to_uint8(dec(z))
    ok_target, ok_keep = [], []
    for o, a, b, m in zip(out, src64, tgt64, metas):
        ok_target.append(checker.check_image(o, m[1])["all"])
        sa, sb = (to_uint8(torch.tensor(x)[None])[0] for x in (a, b))
        ok_keep.append(checker.kept(o, sa, sb))
    both = [x and y for x, y in zip(ok_target, ok_keep)]
    return {"target": float(np.mean(ok_target)), "kept": float(np.mean(ok_keep)), "all": float(np.mean(both))}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default=train.CACHE)
    ap.add_argument("--tasks", default="image,audio,video,edit")
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--guidance", type=float, default=None)
    ap.add_argument("--json", default=None)
    ap.add_argument("--seed", type=int, default=99991, help="scenes and prompts (the paraphrased set: seed + 1)")
    ap.add_argument("--dump", default=None, help="write the first image samples as a PNG grid here")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    v = vocab.build_vocab()
    kw = {"steps": args.steps, "guidance": args.guidance}
    dec = torch.load(os.path.join(args.ckpt, "decoder.pt"))
    out = {}
    for task in args.tasks.split(","):
        enc, den = load(task, args.ckpt, v)
        for paraphrase in (False, True):
            rng = np.random.default_rng(args.seed + paraphrase)  # held out: training used seed 7
            t0 = time.time()
            key = f"{task}/{'paraphrased' if paraphrase else 'canonical'}"
            if task == "image":
                up = decoders.decoder(dec, "image")
                r, imgs, prompts = eval_image(enc, den, up, v, rng, args.n, paraphrase, **kw)
                if args.dump and not paraphrase:
                    import PIL.Image  # noqa: only for the optional dump
                    grid = np.concatenate([np.concatenate(list(imgs[i:i + 8]), 1) for i in range(0, 32, 8)], 0)
                    PIL.Image.fromarray(grid).save(args.dump)
                    print("\n".join(prompts[:32]))
            elif task == "audio":
                r = eval_audio(enc, den, v, rng, args.n, paraphrase, **kw)
            elif task == "edit":
                r = eval_edit(enc, den, decoders.decoder(dec, "image"), v, rng, args.n, paraphrase, **kw)
            else:
                r = eval_video(enc, den, decoders.decoder(dec, "video"), v, rng, args.n, paraphrase, **kw)
            out[key] = r
            print(key, json.dumps(r), f"{time.time() - t0:.0f}s", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=2)


if __name__ == "__main__":
    main()
