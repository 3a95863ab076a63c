"""Classical checker for generated media: palette classification, region fill, shape templates, centroid
tracks, FFT pitch and onset counts. Knows the world's conventions (named positions, palette), not the
models. Used by evaluate.py; the CI test (test/e2e/demo-generators.test.ts) has a small TS twin.

On ground-truth renders (training/generators/scenes.py, n = 400) check_image passes 97 % of scenes
(every object's colour, position, size and shape); the misses are occluded objects and white shapes on coloured
backgrounds that the palette reads as grey. (Before the same-colour split and the shape templates it
passed 89.5 % of ground truth, so no generator could have reached the 90 % target.)"""
import numpy as np

from training.shapes import world

PALETTE = {k: np.array(v, np.float32) for k, v in world.RGB.items()}
NAMES = list(PALETTE)


def classify(img):
    """uint8 [H,W,3] → palette index per pixel (nearest colour in RGB)."""
    d = ((img[:, :, None, :].astype(np.float32) - np.stack([PALETTE[n] for n in NAMES])[None, None]) ** 2).sum(-1)
    return d.argmin(-1)


def to64(img):
    """Area-resize a square uint8 image to 64×64 (the world's coordinate frame)."""
    h = img.shape[0]
    if h == 64:
        return img
    if h % 64 == 0:
        f = h // 64
        return img.reshape(64, f, 64, f, 3).mean(axis=(1, 3)).round().astype(np.uint8)
    idx = (np.arange(64) + 0.5) * h / 64
    return img[idx.astype(int)][:, idx.astype(int)]


AREA_PER_R2 = {"circle": np.pi, "square": 1.76 ** 2, "triangle": 1.8}  # world._coverage's areas in r²
_GRID = np.mgrid[0:64, 0:64] + 0.5  # pixel centres (y, x) of the 64×64 frame


def object_mask(labels, color, cx, cy, half=14, others=()):
    """Pixels of `color` in a window around (cx,cy), as a 64×64 bool mask. `others`: the expected centres
    of the scene's other objects of the same colour; pixels nearer to one of them belong to that object
    (neighbours are 17 px apart, so the window alone would mix them)."""
    ys, xs = _GRID
    m = (labels == NAMES.index(color)) & (np.abs(xs - cx) < half) & (np.abs(ys - cy) < half)
    own = (xs - cx) ** 2 + (ys - cy) ** 2
    for ox, oy in others:
        m &= own <= (xs - ox) ** 2 + (ys - oy) ** 2
    return m


def shape_fit(m):
    """(shape, radius) of the world shape whose template, sized to the mask's area and placed on its
    centroid, overlaps the mask best (IoU). Sturdier than a bbox fill ratio on anti-aliased edges."""
    area = m.sum()
    ys, xs = _GRID
    my, mx = ys[m].mean(), xs[m].mean()
    best = (-1.0, "circle", 0.0)
    for shape, k in AREA_PER_R2.items():
        r = float(np.sqrt(area / k))
        cy = my - 0.2 * r if shape == "triangle" else my  # a triangle's centroid sits 0.2 r below its centre
        t = world._coverage(shape, mx, cy, r, xs, ys)
        iou = (t & m).sum() / max((t | m).sum(), 1)
        best = max(best, (float(iou), shape, r))
    return best[1], best[2]


def check_image(img, scene):
    """Per-requirement results for a generated image of `scene`: dict of booleans."""
    labels = classify(to64(img))
    res = {"colour_position": True, "size": True, "shape": True}
    for o in scene["objects"]:
        cx, cy = world.CENTERS[o["position"]]
        others = [world.CENTERS[x["position"]] for x in scene["objects"] if x is not o and x["color"] == o["color"]]
        m = object_mask(labels, o["color"], cx, cy, others=others)
        area = int(m.sum())
        if area < 30 or abs(_GRID[1][m].mean() - cx) > 6 or abs(_GRID[0][m].mean() - cy) > 6:
            res["colour_position"] = res["size"] = res["shape"] = False
            continue
        shape, r = shape_fit(m)
        if shape != o["shape"]:
            res["shape"] = False
        if ("small" if r < 7.5 else "large") != o["size"]:
            res["size"] = False
    border = np.concatenate([labels[:2].ravel(), labels[-2:].ravel(), labels[:, :2].ravel(), labels[:, -2:].ravel()])
    res["background"] = NAMES[np.bincount(border, minlength=len(NAMES)).argmax()] == scene["bg"]
    res["all"] = res["colour_position"] and res["size"] and res["shape"] and res["background"]
    return res


# ---- audio ----
def stft_features(wave, sr=16000, win=512, hop=256):
    frames = np.lib.stride_tricks.sliding_window_view(wave, win)[::hop] * np.hanning(win)
    spec = np.abs(np.fft.rfft(frames, axis=1)) + 1e-9
    energy = (spec ** 2).sum(1)
    flat = np.exp(np.log(spec).mean(1)) / spec.mean(1)
    peak = np.fft.rfftfreq(win, 1 / sr)[spec.argmax(1)]
    return energy, flat, peak, hop / sr


def runs(active):
    """[(start, end)) runs of True."""
    out, start = [], None
    for i, a in enumerate(list(active) + [False]):
        if a and start is None:
            start = i
        elif not a and start is not None:
            out.append((start, i))
            start = None
    return out


def classify_audio(wave, sr=16000):
    """Classical label of a (part of a) clip: {'kind', 'count', 'pitch'} in the sounds.py vocabulary."""
    energy, flat, peak, dt = stft_features(wave, sr)
    if energy.max() <= 1e-6:
        return {"kind": "silence"}
    active = energy > energy.max() * 0.05
    noisy = flat > 0.25
    noise_frac = (active & noisy).sum() / max(active.sum(), 1)
    segs = [r for r in runs(active) if (r[1] - r[0]) * dt >= 0.04]
    if noise_frac > 0.5 or (noise_frac > 0.2 and len(segs) >= 3):
        long_noise = max((e - s) for s, e in segs) * dt if segs else 0
        return {"kind": "rain-like noise" if long_noise > 0.6 else "a drum beat"}
    tonal = active & ~noisy
    segs = [r for r in runs(tonal) if (r[1] - r[0]) * dt >= 0.04]
    if not segs:
        return {"kind": "silence"}
    longest = max(e - s for s, e in segs) * dt
    if longest < 0.4:
        hz = float(np.median(peak[tonal]))
        return {"kind": "beeps", "count": len(segs), "pitch": "high" if hz > 700 else "low"}
    s, e = max(segs, key=lambda r: r[1] - r[0])
    f = np.log(np.maximum(peak[s:e], 20))
    slope = np.polyfit(np.arange(len(f)) * dt, f, 1)[0]
    if slope > 0.3:
        return {"kind": "a rising siren"}
    if slope < -0.3:
        return {"kind": "a falling whistle"}
    return {"kind": "a steady hum"}


def piece_matches(label, piece):
    if label["kind"] != piece["kind"]:
        return False
    return piece["kind"] != "beeps" or (label["count"] == piece["count"] and label["pitch"] == piece["pitch"])


def check_audio(wave, pieces, sr=16000):
    """True when every requested piece is heard (two-part prompts: one per second)."""
    if len(pieces) == 1:
        return piece_matches(classify_audio(wave, sr), pieces[0])
    half = len(wave) // 2
    return piece_matches(classify_audio(wave[:half], sr), pieces[0]) and piece_matches(
        classify_audio(wave[half:], sr), pieces[1])


# ---- video ----
def check_video(frames, objs):
    """frames uint8 [F,H,W,3] of a clip captioned by `objs` (videos.py): every object is found in its
    colour and moves/grows/shrinks/turns as captioned (centroid track, area ratio, colour swap)."""
    labels = [classify(to64(f)) for f in frames]
    for o in objs:
        ci = NAMES.index(o["color"])
        first, last = labels[0] == ci, labels[-1] == ci
        if o["motion"] == "turning":
            ti = NAMES.index(o["to"])
            if first.sum() < 20 or (labels[-1] == ti).sum() < 20 or (labels[0] == ti).sum() > first.sum():
                return False
            continue
        if first.sum() < 10 or last.sum() < 10:
            return False
        if o["motion"] in ("growing", "shrinking"):
            ratio = last.sum() / first.sum()
            if (o["motion"] == "growing" and ratio < 1.6) or (o["motion"] == "shrinking" and ratio > 0.6):
                return False
            continue
        (y0, x0), (y1, x1) = [np.argwhere(m).mean(0) for m in (first, last)]
        dx, dy = x1 - x0, y1 - y0
        want = {"moving left": (-1, 0), "moving right": (1, 0), "moving up": (0, -1), "moving down": (0, 1)}[o["motion"]]
        along = dx * want[0] + dy * want[1]
        across = abs(dx * want[1] + dy * want[0])
        if along < 15 or across > 10:
            return False
    return True


# ---- editing ----
def kept(out, src, tgt, levels=12.0):
    """Whether pixels the edit should not touch (where source and target renders agree, 2 px margin)
    stay within `levels` grey levels of the source on average. All uint8 [H,W,3] of one size."""
    changed = np.abs(src.astype(np.int16) - tgt.astype(np.int16)).max(-1) > 0
    pad = np.pad(changed, 2)
    h, w = changed.shape
    grown = np.zeros_like(changed)
    for dy in range(5):
        for dx in range(5):
            grown |= pad[dy:dy + h, dx:dx + w]
    keep = ~grown
    if keep.sum() == 0:
        return True
    return float(np.abs(out.astype(np.float32) - src.astype(np.float32)).max(-1)[keep].mean()) < levels
