"""Image-editing data: (source scene, instruction, edited scene) triples rendered with the same
jitter, so only the edited object/background differs. Operations and canonical instructions follow
training/shapes/dialogue.edit_request (what the LLM puts in <edit>…</edit>): recolour, move, add,
remove, change background; user phrasings come from the same grammar."""
import numpy as np

from training.generators import scenes
from training.shapes import dialogue, grammar, world

OPS = ["recolor", "move", "add", "remove", "background"]
OP_P = [0.26, 0.2, 0.2, 0.17, 0.17]  # how often each is drawn (train.py --edit-ops; the evaluator keeps these)


def sample_edit(rng):
    """(source scene, target scene, op, canonical instruction, user instruction)."""
    while True:
        src = world.sample_scene(rng)
        objs = src["objects"]
        op = OPS[int(rng.choice(len(OPS), p=OP_P))]
        if op == "add" and len(objs) >= 4 or op == "remove" and len(objs) < 1:
            continue
        break
    tgt = {"bg": src["bg"], "objects": [dict(o) for o in objs]}
    idx = int(rng.integers(len(objs)))
    o = objs[idx]
    ref = dialogue.referents(rng, src, idx)
    cref, uref = dialogue.canon_ref(ref), dialogue.user_ref(rng, ref)
    if op == "recolor":
        c = grammar.pick(rng, [x for x in world.COLORS if x not in (o["color"], src["bg"])])
        tgt["objects"][idx]["color"] = c
        cw = grammar.pick(rng, grammar.COLOR_SYN[c])
        user = grammar.pick(rng, [f"make {uref} {cw}", f"change the colour of {uref} to {cw}", f"turn {uref} {cw}",
                                  f"recolor {uref} {cw}", f"paint {uref} {cw}", f"change {uref} to {cw}"])
        canon = f"make {cref} {c}"
    elif op == "move":
        free = [p for p in world.POSITIONS if p not in {x["position"] for x in objs}]
        p = grammar.pick(rng, free)
        tgt["objects"][idx]["position"] = p
        user = grammar.pick(rng, [f"move {uref} {grammar.pick(rng, grammar.POS_TARGET[p])}",
                                  f"put {uref} {grammar.pick(rng, grammar.POS_TARGET[p])}",
                                  f"shift {uref} {grammar.pick(rng, grammar.POS_TARGET[p])}"])
        canon = f"move {cref} to the {p}"
    elif op == "add":
        free = [p for p in world.POSITIONS if p not in {x["position"] for x in objs}]
        new = {"shape": grammar.pick(rng, world.SHAPES), "size": grammar.pick(rng, world.SIZES),
               "color": grammar.pick(rng, [c for c in world.COLORS if c != src["bg"]]),
               "position": grammar.pick(rng, free)}
        tgt["objects"].append(new)
        a = {k: new[k] for k in ("size", "color", "shape", "position")}
        canon = "add " + dialogue.canon_obj(a)
        user = grammar.pick(rng, ["add ", "insert ", "also draw ", "put "]) + dialogue.user_obj(rng, a)
    elif op == "remove":
        del tgt["objects"][idx]
        canon = f"remove {cref}"
        user = grammar.pick(rng, [f"remove {uref}", f"delete {uref}", f"get rid of {uref}", f"erase {uref}",
                                  f"take out {uref}"])
    else:
        c = grammar.pick(rng, [x for x in world.COLORS + ["grey"] if x != src["bg"]
                               and all(x != y["color"] for y in objs)])
        tgt["bg"] = c
        cw = grammar.pick(rng, grammar.COLOR_SYN.get(c, grammar.BG_SYN.get(c, [c])))
        canon = f"make the background {c}"
        user = grammar.pick(rng, [f"make the background {cw}", f"change the background to {cw}",
                                  f"turn the background {cw}", f"use a {cw} background"])
    return src, tgt, op, canon, grammar.noisy(rng, user, 0.5)


def render_pair(src, tgt, rng, size, ss):
    """Source and target images [3,size,size] in [-1,1] with shared jitter."""
    # dict.fromkeys, not a set: a set's order of strings changes with PYTHONHASHSEED, and with it the draws
    bg = {n: scenes.jitter_rgb(rng, n, 6) for n in dict.fromkeys((src["bg"], tgt["bg"]))}
    placed = {}
    for o in src["objects"] + tgt["objects"]:
        key = (o["shape"], o["size"], o["position"])
        if key not in placed:
            placed[key] = scenes.place(o, rng, True)
    cols = {}

    def items(scene):
        out = []
        for o in scene["objects"]:
            if o["color"] not in cols:
                cols[o["color"]] = scenes.jitter_rgb(rng, o["color"], 12)
            out.append((o["shape"], *placed[(o["shape"], o["size"], o["position"])], cols[o["color"]]))
        return out

    gain, off = rng.uniform(0.92, 1.08), rng.uniform(-8, 8)
    fin = lambda img: (np.clip(img * gain + off, 0, 255).transpose(2, 0, 1) / 127.5 - 1).astype(np.float32)  # noqa
    return fin(scenes.draw(bg[src["bg"]], items(src), size, ss)), fin(scenes.draw(bg[tgt["bg"]], items(tgt), size, ss))


def sample_pair(rng, size=32, ss=4):
    src, tgt, op, canon, user = sample_edit(rng)
    a, b = render_pair(src, tgt, rng, size, ss)
    return (src, tgt, op, canon, user), a, b


def prompt(rng, meta):
    return meta[3] if rng.random() < 0.5 else meta[4]
