"""Shapes world: scene sampling, anti-aliased rendering with augmentation, per-object masks.

Scenes are 64x64 RGB images with 1-3 shapes at distinct named positions. Rendering supersamples,
jitters colours/positions/sizes and sometimes renders at another resolution and resizes, so a
different renderer's scenes still look familiar to the trained encoders.
"""
import numpy as np

SHAPES = ["circle", "square", "triangle"]
COLORS = ["red", "green", "blue", "yellow", "purple", "orange", "white", "black"]
SIZES = ["small", "large"]
POSITIONS = ["left", "right", "top", "bottom", "center"]
RGB = {
    "red": (220, 35, 35), "green": (40, 170, 50), "blue": (40, 70, 220), "yellow": (240, 220, 40),
    "purple": (140, 50, 170), "orange": (250, 140, 25), "white": (250, 250, 250), "black": (20, 20, 20),
    "grey": (200, 200, 200),
}
# Centre of each named position in a 64x64 frame (x, y).
CENTERS = {"left": (15, 32), "right": (49, 32), "top": (32, 15), "bottom": (32, 49), "center": (32, 32)}
POS_PHRASE = {"left": "on the left", "right": "on the right", "top": "at the top", "bottom": "at the bottom",
              "center": "in the center"}


def sample_scene(rng, n=None, bg=None):
    """A scene dict: background colour name ('grey' = light grey) and a list of objects."""
    n = n or int(rng.integers(1, 4))
    positions = list(rng.choice(POSITIONS, size=n, replace=False))
    if bg is None:
        bg = "grey" if rng.random() < 0.8 else str(rng.choice(COLORS))
    objs = []
    for p in positions:
        color = str(rng.choice([c for c in COLORS if c != bg]))
        objs.append({"shape": str(rng.choice(SHAPES)), "color": color, "size": str(rng.choice(SIZES)),
                     "position": str(p)})
    return {"bg": bg, "objects": objs}


def _coverage(shape, cx, cy, r, xs, ys):
    if shape == "circle":
        return (xs - cx) ** 2 + (ys - cy) ** 2 <= r * r
    if shape == "square":
        h = r * 0.88
        return (np.abs(xs - cx) <= h) & (np.abs(ys - cy) <= h)
    # Upward equilateral-ish triangle inscribed in radius r.
    top, base = cy - r, cy + r * 0.8
    half = (ys - top) / (base - top) * r
    return (ys >= top) & (ys <= base) & (np.abs(xs - cx) <= half)


def _jitter_rgb(rng, name, amount, palette=RGB):
    base = np.array(palette[name], dtype=np.float32)
    return np.clip(base + rng.normal(0, amount, 3), 0, 255)


# Kernels that resize an augmented render drawn at another resolution: bilinear (the shipped pack's
# training), or also Lanczos-3, what sharp (the engine's image library) resizes with by default. With more
# than one, each image draws its kernel (train.py/evaluate.py --resample).
RESAMPLE = ("bilinear",)


def render(scene, rng, augment=True, size=64, palette=RGB, spread=1.0):
    """Render to (uint8 [size,size,3], masks bool [n_objects,size,size]) with visible-pixel masks.
    `palette` and `spread` (scales the position/size jitter) let phase 0 imitate other renderers."""
    res = int(rng.choice([48, 64, 64, 96, 128])) if augment else size
    ss = 4 if res <= 64 else 2
    g = res * ss
    scale = res / 64.0
    coords = (np.arange(g, dtype=np.float32) + 0.5) / ss / scale
    xs, ys = np.meshgrid(coords, coords)
    img = np.empty((g, g, 3), dtype=np.float32)
    img[:] = _jitter_rgb(rng, scene["bg"], 8 if augment else 0, palette)
    owner = np.full((g, g), -1, dtype=np.int16)
    for i, o in enumerate(scene["objects"]):
        cx, cy = CENTERS[o["position"]]
        r = (5.5 if o["size"] == "small" else 9.5)
        if augment:
            cx += rng.uniform(-3, 3) * spread
            cy += rng.uniform(-3, 3) * spread
            u = rng.uniform(0.85, 1.12)
            r *= u if spread == 1.0 else 1 + (u - 1) * spread
        cov = _coverage(o["shape"], cx, cy, r, xs, ys)
        img[cov] = _jitter_rgb(rng, o["color"], 14 if augment else 0, palette)
        owner[cov] = i
    # Box-filter the supersampled image (anti-aliasing), then resize to `size` if needed.
    img = img.reshape(res, ss, res, ss, 3).mean(axis=(1, 3))
    own = owner.reshape(res, ss, res, ss)
    n = len(scene["objects"])
    masks = np.stack([(own == i).mean(axis=(1, 3)) for i in range(n)]) if n else np.zeros((0, res, res))
    if res != size:
        kernel = RESAMPLE[int(rng.integers(len(RESAMPLE)))] if len(RESAMPLE) > 1 else RESAMPLE[0]
        resize = lanczos if kernel == "lanczos" else _resize
        img = resize(img, size)
        masks = np.stack([resize(m[..., None], size)[..., 0] for m in masks])
    if augment:
        img = img * rng.uniform(0.9, 1.1) + rng.uniform(-10, 10) + rng.normal(0, 3, img.shape)
    return np.clip(img, 0, 255).round().astype(np.uint8), masks >= 0.5


def _lanczos_weights(n_in, n_out, a=3):
    scale = n_in / n_out
    stretch = max(scale, 1.0)  # widen the kernel when shrinking (antialiasing), as image libraries do
    centers = (np.arange(n_out) + 0.5) * scale - 0.5
    x = (np.arange(n_in)[None, :] - centers[:, None]) / stretch
    w = np.sinc(x) * np.sinc(x / a) * (np.abs(x) < a)
    return w / w.sum(1, keepdims=True)


def lanczos(a, size):
    """Lanczos-3 resize of an [h,w,c] float array (sharp's default kernel: it rings at edges)."""
    wy, wx = _lanczos_weights(a.shape[0], size), _lanczos_weights(a.shape[1], size)
    rows = (wy @ a.reshape(a.shape[0], -1)).reshape(size, a.shape[1], a.shape[2])
    return wx @ rows  # [size, w] @ [size, w, c] -> [size, size, c]


def _resize(a, size):
    """Bilinear resize of an [h,w,c] float array (area-style when shrinking by an integer factor)."""
    h = a.shape[0]
    if h % size == 0:
        f = h // size
        return a.reshape(size, f, size, f, a.shape[2]).mean(axis=(1, 3))
    src = (np.arange(size) + 0.5) * h / size - 0.5
    i0 = np.clip(np.floor(src).astype(int), 0, h - 1)
    i1 = np.clip(i0 + 1, 0, h - 1)
    w = np.clip(src - i0, 0, 1)
    rows = a[i0] * (1 - w)[:, None, None] + a[i1] * w[:, None, None]
    return rows[:, i0] * (1 - w)[None, :, None] + rows[:, i1] * w[None, :, None]


def describe_object(o, with_pos=True, with_size=True):
    words = []
    if with_size:
        words.append(o["size"])
    words += [o["color"], o["shape"]]
    s = article(words[0]) + " " + " ".join(words)
    return s + (" " + POS_PHRASE[o["position"]] if with_pos else "")


def caption(scene):
    """Normalised scene caption, e.g. 'a large red circle on the left and a small blue square at the top'."""
    parts = [describe_object(o) for o in scene["objects"]]
    s = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    if scene["bg"] != "grey":
        s += " on a " + scene["bg"] + " background"
    return s


def article(word):
    return "an" if word[0] in "aeiou" else "a"
