"""Jittered shapes-world renderer and prompt phrasing for the image and video generators.

Uses the world's geometry (`_coverage`, named positions, palette) but renders at any size with
supersampling, so decoder targets are crisp at 128 px and latents are exact area averages.
Augmentation follows world.render: colour jitter, position ±3 px, size ×0.85–1.12, global gain/offset.
"""
import numpy as np

from training.shapes import dialogue, grammar, world

IMAGE_VERBS = ["", "", "", "draw", "draw", "paint", "generate", "create", "make", "render", "sketch",
               "show me", "generate an image of", "make a picture of", "create an image of", "draw me",
               "i want a picture of", "give me an image of", "an image of", "a picture of", "picture of",
               "generate a picture with", "make an image showing", "doodle", "build"]


def radius(size):
    return 5.5 if size == "small" else 9.5


def place(o, rng, augment):
    """(cx, cy, r) in 64-px units for a scene object."""
    cx, cy = world.CENTERS[o["position"]]
    r = radius(o["size"])
    if augment:
        cx, cy, r = cx + rng.uniform(-3, 3), cy + rng.uniform(-3, 3), r * rng.uniform(0.85, 1.12)
    return cx, cy, r


def jitter_rgb(rng, name, amount):
    return np.clip(np.array(world.RGB[name], np.float32) + rng.normal(0, amount, 3), 0, 255)


def draw(bg_rgb, items, size, ss):
    """items: (shape, cx, cy, r, rgb) in 64-px units → float32 [size,size,3] (0..255), area-averaged."""
    g = size * ss
    coords = (np.arange(g, dtype=np.float32) + 0.5) / g * 64.0
    xs, ys = np.meshgrid(coords, coords)
    img = np.empty((g, g, 3), np.float32)
    img[:] = bg_rgb
    for shape, cx, cy, r, rgb in items:
        img[world._coverage(shape, cx, cy, r, xs, ys)] = rgb
    return img.reshape(size, ss, size, ss, 3).mean(axis=(1, 3))


def finish(img, rng, augment):
    """Global brightness/offset jitter, mapped to [-1,1] CHW."""
    if augment:
        img = img * rng.uniform(0.92, 1.08) + rng.uniform(-8, 8)
    return (np.clip(img, 0, 255).transpose(2, 0, 1) / 127.5 - 1).astype(np.float32)


def render_scene(scene, rng, size, ss, augment=True):
    items = [(o["shape"], *place(o, rng, augment), jitter_rgb(rng, o["color"], 12 if augment else 0))
             for o in scene["objects"]]
    return finish(draw(jitter_rgb(rng, scene["bg"], 6 if augment else 0), items, size, ss), rng, augment)


def _phrase_object(rng, o):
    words = []
    if rng.random() < 0.9:
        words.append(grammar.pick(rng, grammar.SIZE_SYN[o["size"]]))
    words += [grammar.pick(rng, grammar.COLOR_SYN[o["color"]]), grammar.pick(rng, grammar.SHAPE_SYN[o["shape"]])]
    art = grammar.pick(rng, [world.article(words[0]), "one", world.article(words[0])])
    return f"{art} {' '.join(words)} {grammar.pick(rng, grammar.POS_SYN[o['position']])}"


def image_prompt(rng, scene):
    """The canonical caption (what the LLM emits) most of the time, else a user-style paraphrase."""
    r = rng.random()
    if r < 0.35:
        return world.caption(scene)
    if r < 0.6:
        # The LLM's <gen> captions may leave attributes out (dialogue.gen_request): those are sampled.
        n = len(scene["objects"])
        attrs = [dialogue.obj_attrs(rng, o, n) for o in scene["objects"]]
        canon = " and ".join(dialogue.canon_obj(a) for a in attrs)
        if scene["bg"] != "grey":
            canon += f" on {world.article(scene['bg'])} {scene['bg']} background"
        return canon
    parts = [_phrase_object(rng, o) for o in scene["objects"]]
    sep = grammar.pick(rng, [" and ", ", ", " and ", " plus ", " with "])
    s = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + sep + parts[-1]
    if scene["bg"] != "grey":
        bg = scene["bg"]
        s += grammar.pick(rng, [f" on a {bg} background", f" with a {bg} background", f", {bg} background",
                                f" on {bg}", f" over a {bg} background"])
    elif rng.random() < 0.15:
        s += grammar.pick(rng, [" on a grey background", " on a gray background", " on a light grey background"])
    verb = grammar.pick(rng, IMAGE_VERBS)
    return grammar.noisy(rng, (verb + " " + s).strip(), 0.5)
