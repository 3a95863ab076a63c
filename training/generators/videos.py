"""Video generator data: 8 frames of one or two shapes moving left/right/up/down, growing, shrinking
or turning another colour, as latents [3, FRAMES, 16, 16] (area averages of 64-px frames; the video
decoder upsamples 4×). Captions follow training/shapes/media.py's canonical form."""
import numpy as np

from training.generators import scenes
from training.shapes import grammar, media, world

FRAMES = 8
MOTIONS = ["moving left", "moving right", "moving up", "moving down", "growing", "shrinking"]
SEPARATORS = ["and", "while", "plus"]  # join the two objects of a prompt (text-encoder segment embedding)


def sample_clip(rng):
    n = 1 if rng.random() < 0.6 else 2
    objs, used = [], {"white"}  # white is too close to the grey background; colours stay distinct
    for _ in range(n):
        o = {"shape": str(rng.choice(world.SHAPES)), "color": str(rng.choice([c for c in world.COLORS
                                                                              if c not in used]))}
        used.add(o["color"])
        if rng.random() < 0.2:
            o["motion"] = "turning"
            o["to"] = str(rng.choice([c for c in world.COLORS if c not in used]))
            used.add(o["to"])
        else:
            o["motion"] = str(rng.choice(MOTIONS))
        objs.append(o)
    return objs


def caption(objs):
    parts = []
    for o in objs:
        m = f"turning {o['to']}" if o["motion"] == "turning" else o["motion"]
        parts.append(f"{world.article(o['color'])} {o['color']} {o['shape']} {m}")
    return " and ".join(parts)


def prompt(rng, objs):
    if rng.random() < 0.45:
        return caption(objs)
    parts = []
    for o in objs:
        if o["motion"] == "turning":
            c2 = o["to"]
            um = grammar.pick(rng, [f"turning {c2}", f"changing color to {c2}", f"that turns {c2}",
                                    f"becoming {c2}", f"changing colour to {c2}"])
        else:
            um = grammar.pick(rng, media.MOTIONS[o["motion"]])
        parts.append(f"{grammar.pick(rng, ['a', 'a', 'one'])} {grammar.pick(rng, grammar.COLOR_SYN[o['color']])} "
                     f"{grammar.pick(rng, grammar.SHAPE_SYN[o['shape']])} {um}")
    core = grammar.pick(rng, [" and ", " and ", " while ", " plus "]).join(parts)
    verb = grammar.pick(rng, [""] * 2 + media.VIDEO_VERB)
    return grammar.noisy(rng, (verb + " " + core).strip(), 0.5)


def tracks(objs, rng, augment=True):
    """Per object and frame: (cx, cy, r, colour name, colour mix to `to` in [0,1])."""
    n = len(objs)
    vertical = any(o["motion"] in ("moving up", "moving down") for o in objs)
    out = []
    for k, o in enumerate(objs):
        # Two objects share the frame: side by side when one moves vertically, else one above the other.
        base = 32.0 if n == 1 else (18.0 if k == 0 else 46.0)
        bx, by = (base, 32.0) if vertical else (32.0, base)
        j = (lambda a: rng.uniform(-a, a)) if augment else (lambda a: 0.0)
        bx, by = bx + j(2), by + j(2)
        r0 = 7.0 * (rng.uniform(0.9, 1.1) if augment else 1)
        a, b = 12 + j(2), 52 + j(2)
        track = []
        for f in range(FRAMES):
            u = f / (FRAMES - 1)
            cx, cy, r, mix = bx, by, r0, 0.0
            m = o["motion"]
            if m == "moving left":
                cx = b + (a - b) * u
            elif m == "moving right":
                cx = a + (b - a) * u
            elif m == "moving up":
                cy = b + (a - b) * u
            elif m == "moving down":
                cy = a + (b - a) * u
            elif m == "growing":
                r = 4 + 7 * u
            elif m == "shrinking":
                r = 11 - 7 * u
            elif m == "turning":
                mix = u
            track.append((cx, cy, r, mix))
        out.append(track)
    return out


def render_clip(objs, rng, size=16, ss=4, augment=True):
    """Latents (size 16) or frames (size 64): float32 [3, FRAMES, size, size] in [-1,1]."""
    bg = scenes.jitter_rgb(rng, "grey", 6 if augment else 0)
    cols = [(scenes.jitter_rgb(rng, o["color"], 12 if augment else 0),
             scenes.jitter_rgb(rng, o.get("to", o["color"]), 12 if augment else 0)) for o in objs]
    tr = tracks(objs, rng, augment)
    frames = []
    for f in range(FRAMES):
        items = []
        for o, (c0, c1), t in zip(objs, cols, tr):
            cx, cy, r, mix = t[f]
            items.append((o["shape"], cx, cy, r, c0 * (1 - mix) + c1 * mix))
        frames.append(scenes.finish(scenes.draw(bg, items, size, ss), rng, False))
    return np.stack(frames, 1)


def sample_video(rng):
    objs = sample_clip(rng)
    return objs, render_clip(objs, rng)
