"""LLMBind-style dialogue generator for the shapes world.

A dialogue is a list of turns {role, text, image?}; assistant replies carry task spans
(<gen>, <edit>, <video_cap>, <audio_cap>, [SEG]) or plain text (chit-chat, answers, clarifications).
`kind` labels each assistant turn for the held-out routing metric; `attrs` lists the words the span must name.
"""
from .grammar import (BG_SYN, COLOR_SYN, NUMBER_WORD, ORDINAL, POS_ADJ, POS_SYN, POS_TARGET, SHAPE_PLURAL,
                      SHAPE_SYN, SIZE_SYN, pick, polite, request)
from .world import COLORS, POS_PHRASE, POSITIONS, SHAPES, SIZES, article, caption, sample_scene
from . import chat

GEN_VERB = ["draw", "draw", "make", "create", "generate", "generate", "paint", "render", "sketch", "produce",
            "show me", "give me", "design", "make me", "draw me", "create me", "generate me", "whip up", "illustrate"]
GEN_NOUN = ["a picture of", "an image of", "", "", "a drawing of", "a painting of", "a pic of", "an illustration of",
            "a photo of", "an image with", "a picture with", "a scene with", "an img of"]
GEN_WANT = ["i want", "i need", "i'd like", "can i get", "can i have", "i would like", "give me", "show me"]
GEN_WANT_NOUN = ["a picture of", "an image of", "a drawing of", "an image with", "a pic of", "a picture showing"]
JOIN = [" and ", " and ", ", ", " with ", " plus ", " and also ", " together with "]


def obj_attrs(rng, o, n):
    keep = {"shape": True, "color": rng.random() < 0.85, "size": rng.random() < 0.5,
            "position": rng.random() < (0.5 if n == 1 else 0.85)}
    return {k: o[k] for k, v in keep.items() if v}


def canon_obj(a):
    words = [w for w in (a.get("size"), a.get("color"), a["shape"]) if w]
    s = article(words[0]) + " " + " ".join(words)
    return s + (" " + POS_PHRASE[a["position"]] if "position" in a else "")


def user_obj(rng, a):
    words = []
    if "size" in a:
        words.append(pick(rng, SIZE_SYN[a["size"]]))
    if "color" in a:
        c = pick(rng, COLOR_SYN[a["color"]])
        words.append(c + ("-colored" if rng.random() < 0.05 else ""))
    words.append(pick(rng, SHAPE_SYN[a["shape"]]))
    if len(words) == 3 and rng.random() < 0.15:
        words[0], words[1] = words[1], words[0]
    det = pick(rng, ["a", "a", "a", "one", "a", ""]) or article(words[0])
    if det == "a":
        det = article(words[0])
    s = det + " " + " ".join(words)
    if "position" in a:
        s += " " + pick(rng, POS_SYN[a["position"]])
    return s


def attr_words(a):
    return [a[k] for k in ("size", "color", "shape", "position") if k in a]


# Share of many-object image requests typed as a count ("three blue circles"): 0 in phases 1-9;
# extra.apply_phrasings sets it (drawn only when enabled, so earlier phases replay exactly).
PLURAL = 0.0
# Share of image requests that name no colour ("draw a circle", "a big triangle on the left"; 0 = off): phase 13's
# "draw a {thing}" clarifications outnumbered them and phase 13 answered "draw a circle" with one.
NO_COLOR = 0.0


def plural_request(rng, scene, attrs):
    """(user words, attrs) for n copies of one object, "two big red squares": no positions (the generator
    places them), the caption lists the copies ("a large red square and a large red square")."""
    n = len(attrs)
    base = {k: v for k, v in attrs[0].items() if k != "position"}
    noun = pick(rng, SHAPE_PLURAL[base["shape"]])
    words = [pick(rng, SIZE_SYN[base["size"]]) if "size" in base else "",
             pick(rng, COLOR_SYN[base["color"]]) if "color" in base else "", noun]
    count = pick(rng, ORDINAL[n][:2] + (["a couple of", "a pair of"] if n == 2 else []))
    return " ".join(w for w in [count, *words] if w), [dict(base) for _ in range(n)]


def canon_list(attrs):
    """The canonical caption of several objects: "a, b and c"."""
    objs = [canon_obj(a) for a in attrs]
    return " and ".join(objs) if len(objs) < 3 else ", ".join(objs[:-1]) + " and " + objs[-1]


def gen_request(rng):
    """(user text, canonical caption, attribute words, scene) for an image-generation request."""
    scene = sample_scene(rng)
    n = len(scene["objects"])
    attrs = [obj_attrs(rng, o, n) for o in scene["objects"]]
    user = None
    if PLURAL and n > 1 and rng.random() < PLURAL:
        user, attrs = plural_request(rng, scene, attrs)
    if NO_COLOR and user is None and rng.random() < NO_COLOR:  # drawn only when enabled: earlier phases replay
        attrs = [{k: v for k, v in a.items() if k != "color"} for a in attrs]
    canon = canon_list(attrs)
    words = sum((attr_words(a) for a in attrs), [])
    if user is None:
        user = user_obj(rng, attrs[0])
        for a in attrs[1:]:
            user += pick(rng, JOIN) + user_obj(rng, a)
    if scene["bg"] != "grey":
        canon += " on " + article(scene["bg"]) + " " + scene["bg"] + " background"
        words.append(scene["bg"])
        bgw = pick(rng, COLOR_SYN[scene["bg"]])
        user += pick(rng, [f" on a {bgw} background", f" with a {bgw} background", f" on {bgw} background",
                           f" against a {bgw} backdrop", f", {bgw} background", f" and make the background {bgw}",
                           f" on a {bgw} bg"])
    r = rng.random()
    if r < 0.55:
        core = f"{pick(rng, GEN_VERB)} {pick(rng, GEN_NOUN)} {user}".replace("  ", " ")
    elif r < 0.8:
        core = f"{pick(rng, GEN_WANT)} {pick(rng, GEN_WANT_NOUN)} {user}"
    elif r < 0.9:
        core = f"{user}, {pick(rng, ['please draw it', 'draw that', 'can you draw it', 'make an image of it', 'generate that'])}"
    else:
        core = f"{pick(rng, ['picture', 'image', 'draw', 'gen', 'img', 'drawing'])}: {user}"
    return request(rng, core, user), canon, words, {"bg": scene["bg"], "objects": [
        {**o, **a} for o, a in zip(scene["objects"], attrs)]}


def referents(rng, scene, idx):
    """A uniquely identifying attribute subset for object idx (None when none is unique)."""
    objs = scene["objects"]
    o = objs[idx]
    options = [["color"], ["shape"], ["position"], ["size"], ["color", "shape"], ["size", "shape"],
               ["shape", "position"], ["color", "position"], ["size", "color"], ["size", "color", "shape"],
               ["color", "shape", "position"]]
    order = rng.permutation(len(options))
    for i in order:
        keys = options[i]
        if sum(all(p[k] == o[k] for k in keys) for p in objs) == 1:
            return {k: o[k] for k in keys}
    return {k: o[k] for k in ("color", "shape", "position")}


def canon_ref(a):
    words = [w for w in (a.get("size"), a.get("color")) if w] + [a.get("shape", "shape")]
    return "the " + " ".join(words) + (" " + POS_PHRASE[a["position"]] if "position" in a else "")


def user_ref(rng, a):
    words = []
    if "size" in a:
        words.append(pick(rng, SIZE_SYN[a["size"]]))
    if "color" in a:
        words.append(pick(rng, COLOR_SYN[a["color"]]))
    pos_adj = "position" in a and rng.random() < 0.3
    if pos_adj:
        words.insert(0, pick(rng, POS_ADJ[a["position"]]))
    if "shape" in a:
        words.append(pick(rng, SHAPE_SYN[a["shape"]]))
    else:
        words.append(pick(rng, ["one", "shape", "object", "thing", "shape", "figure"]))
    s = pick(rng, ["the", "the", "the", "that"]) + " " + " ".join(words)
    if "position" in a and not pos_adj:
        s += " " + pick(rng, POS_SYN[a["position"]])
    return s


def edit_request(rng, scene):
    """(user text, instruction, attribute words) for an edit of `scene`."""
    objs = scene["objects"]
    idx = int(rng.integers(len(objs)))
    o = objs[idx]
    ref = referents(rng, scene, idx) if len(objs) > 1 or rng.random() < 0.7 else None
    uref = user_ref(rng, ref) if ref else pick(rng, ["it", "the shape", "the object"])
    cref = canon_ref(ref) if ref else ("it" if uref == "it" else "the shape")
    rwords = [v for k, v in (ref or {}).items()]
    op = rng.choice(["recolor", "move", "add", "remove", "background"], p=[0.28, 0.2, 0.2, 0.16, 0.16])
    if op == "recolor":
        c = pick(rng, [x for x in COLORS if x != o["color"]])
        cw = pick(rng, COLOR_SYN[c])
        core = pick(rng, [f"make {uref} {cw}", f"change the colour of {uref} to {cw}", f"turn {uref} {cw}",
                          f"recolor {uref} {cw}", f"paint {uref} {cw}", f"change {uref} to {cw}",
                          f"color {uref} {cw}", f"{uref} should be {cw}", f"change the color of {uref} to {cw}",
                          f"can {uref} be {cw} instead", f"make {uref} {cw} instead"])
        return core, f"make {cref} {c}", rwords + [c]
    if op == "move":
        p = pick(rng, [x for x in POSITIONS if x != o["position"]])
        pw = pick(rng, POS_TARGET[p])
        core = pick(rng, [f"move {uref} {pw}", f"put {uref} {pw}", f"shift {uref} {pw}", f"place {uref} {pw}",
                          f"drag {uref} {pw}", f"slide {uref} {pw}", f"{uref} should go {pw}",
                          f"move {uref} over {pw}"])
        return core, f"move {cref} to the {p}", rwords + [p]
    if op == "add":
        free = [p for p in POSITIONS if p not in {x["position"] for x in objs}]
        new = {"shape": pick(rng, SHAPES), "color": pick(rng, COLORS)}
        if rng.random() < 0.4:
            new["size"] = pick(rng, SIZES)
        if free and rng.random() < 0.7:
            new["position"] = pick(rng, free)
        u = user_obj(rng, new)
        core = pick(rng, [f"add {u}", f"put {u} in there", f"add {u} too", f"insert {u}", f"include {u}",
                          f"also draw {u}", f"put {u} in it", f"add {u} to it", f"add another shape: {u}",
                          f"throw in {u}"])
        return core, "add " + canon_obj(new), attr_words(new)
    if op == "remove":
        core = pick(rng, [f"remove {uref}", f"delete {uref}", f"get rid of {uref}", f"erase {uref}",
                          f"take out {uref}", f"take away {uref}", f"remove {uref} from the image",
                          f"i don't want {uref} anymore, remove it", f"drop {uref}"])
        return core, f"remove {cref}", rwords
    c = pick(rng, [x for x in COLORS if all(x != y["color"] for y in objs)] or COLORS)
    cw = pick(rng, COLOR_SYN[c])
    core = pick(rng, [f"make the background {cw}", f"change the background to {cw}", f"set the bg to {cw}",
                      f"use a {cw} background", f"turn the background {cw}", f"paint the background {cw}",
                      f"change the background colour to {cw}", f"give it a {cw} background",
                      f"i want a {cw} background"])
    return core, f"make the background {c}", [c]


def seg_request(rng, scene):
    objs = scene["objects"]
    idx = int(rng.integers(len(objs)))
    ref = referents(rng, scene, idx) if len(objs) > 1 or rng.random() < 0.8 else {"shape": objs[idx]["shape"]}
    uref = user_ref(rng, ref)
    core = pick(rng, [f"segment {uref}", f"segment {uref}", f"highlight {uref}", f"mask {uref}",
                      f"give me a mask of {uref}", f"can you outline {uref}", f"select {uref}",
                      f"cut out {uref}", f"give me a segmentation mask of {uref}", f"isolate {uref}",
                      f"show me the mask for {uref}", f"mark {uref}", f"find and segment {uref}",
                      f"show where {uref} is with a mask", f"produce a mask for {uref}", f"seg {uref}",
                      f"segmentation of {uref}", f"make a mask of {uref}", f"draw a mask over {uref}",
                      f"outline {uref}", f"highlight {uref} for me", f"pick out {uref}"])
    return core, canon_ref(ref), idx, [v for v in ref.values()]


def count_phrase(n, noun):
    return f"There is 1 {noun}." if n == 1 else ("There are no " + noun + "s." if n == 0 else
                                                  f"There are {n} {noun}s.")


# Cumulative shares of the image-question kinds: total count, per-shape count, colour, position, shape,
# existence (yes/no); the rest asks for the background. train.py --question-cuts overrides them.
Q_CUTS = (0.2, 0.32, 0.5, 0.66, 0.76, 0.9)
# Yes/no answers that first list the colours of the asked-for shape, then decide (" I see two circles: blue
# and red. So yes, there is a red circle on the left."). Deciding at the first token, the LM had to match
# colour and shape against the image before writing anything and never learned it (P(yes) no better than
# chance, AUC 0.5); echoing the object first (" A red circle? Yes, …") did not help either (it then said yes
# to everything). Listing uses lookups it does well (per-shape count, shape → colour), so "no" is right when
# the shape is absent. Comparing the asked colour with the listed ones took phase 9 (EXISTS_BALANCE below and
# train.DecisionProbe; MODEL_CARD.md). train.py --exists-list sets it; the checkpoint's cfg records it.
EXISTS_LIST = False
# None: half the yes/no questions name an object of the scene, half a random colour and shape. A float f
# (train.py --exists-balance): f name an object of the scene, 1 - f - 0.15 a shape of the scene in a colour
# it does not have, 0.15 a shape that is not there. After a non-empty list "yes" and "no" then come about
# equally often, so only comparing the asked colour with the listed ones lowers the loss (with the default
# mix, "yes" followed a non-empty list 3 times in 4, and the LM said "yes" after any list). Alone it was not
# enough (1,750 steps: no signal); with train.DecisionProbe it was.
EXISTS_BALANCE = None
NUMBER_WORDS = ["no", "one", "two", "three"]


def question(rng, scene):
    """(user text, answer) about an attached scene; Q_CUTS splits the question kinds."""
    total, per_shape, colour, where, shape, exists = Q_CUTS
    objs = scene["objects"]
    q = rng.random()
    idx = int(rng.integers(len(objs)))
    o = objs[idx]
    if q < total:
        n = len(objs)
        core = pick(rng, ["how many shapes are there", "how many shapes are in the image", "how many objects are there",
                          "count the shapes", "how many shapes do you see", "how many things are in this picture",
                          "number of shapes?", "how many shapes"])
        return core + pick(rng, ["?", "?", "", " ?"]), " " + count_phrase(n, "shape")
    if q < per_shape:
        s = pick(rng, SHAPES)
        n = sum(x["shape"] == s for x in objs)
        core = pick(rng, [f"how many {pick(rng, SHAPE_PLURAL[s])} are there", f"how many {s}s do you see",
                          f"count the {s}s", f"how many {s}s are in the picture"])
        return core + pick(rng, ["?", ""]), " " + count_phrase(n, s)
    if q < colour:
        ref = referents(rng, scene, idx)
        ref.pop("color", None)
        if not ref or sum(all(p[k] == o[k] for k in ref) for p in objs) != 1:
            ref = {"shape": o["shape"], "position": o["position"]}
        core = pick(rng, [f"what colour is {user_ref(rng, ref)}", f"what color is {user_ref(rng, ref)}",
                          f"which color is {user_ref(rng, ref)}", f"what's the colour of {user_ref(rng, ref)}",
                          f"tell me the color of {user_ref(rng, ref)}"])
        return core + pick(rng, ["?", "?", ""]), f" {canon_ref(ref).capitalize()} is {o['color']}."
    if q < where:
        ref = referents(rng, scene, idx)
        ref.pop("position", None)
        if not ref or sum(all(p[k] == o[k] for k in ref) for p in objs) != 1:
            ref = {"color": o["color"], "shape": o["shape"]}
        core = pick(rng, [f"where is {user_ref(rng, ref)}", f"where's {user_ref(rng, ref)}",
                          f"what position is {user_ref(rng, ref)} in", f"where is {user_ref(rng, ref)} located",
                          f"in which part of the image is {user_ref(rng, ref)}"])
        return core + pick(rng, ["?", "?", ""]), f" {canon_ref(ref).capitalize()} is {POS_PHRASE[o['position']]}."
    if q < shape:
        ref = {"color": o["color"]} if sum(p["color"] == o["color"] for p in objs) == 1 else \
            {"position": o["position"]}
        core = pick(rng, [f"what shape is {user_ref(rng, ref)}", f"which shape is {user_ref(rng, ref)}",
                          f"what kind of shape is {user_ref(rng, ref)}"])
        return core + pick(rng, ["?", ""]), f" {canon_ref(ref).capitalize()} is {article(o['shape'])} {o['shape']}."
    if q < exists:
        c, s = exists_target(rng, scene, o)
        match = [x for x in objs if x["color"] == c and x["shape"] == s]
        core = pick(rng, [f"is there a {pick(rng, COLOR_SYN[c])} {pick(rng, SHAPE_SYN[s])}",
                          f"do you see a {c} {s}", f"is there any {c} {s} in the image", f"any {c} {s}s"])
        core += pick(rng, ["?", "?", ""])
        if EXISTS_LIST:
            same = [x["color"] for p in POSITIONS for x in objs if x["position"] == p and x["shape"] == s]
            if not same:
                return core, f" I see no {s}s, so no, there is no {c} {s}."
            seen = f" I see {NUMBER_WORDS[len(same)]} {s}{'s' if len(same) > 1 else ''}: {' and '.join(same)}."
            if match:
                return core, f"{seen} So yes, there is {article(c)} {c} {s} {POS_PHRASE[match[0]['position']]}."
            return core, f"{seen} So no, there is no {c} {s}."
        if match:
            return core, f" Yes, there is {article(c)} {c} {s} {POS_PHRASE[match[0]['position']]}."
        return core, f" No, there is no {c} {s}."
    core = pick(rng, ["what colour is the background", "what color is the background", "which color is the bg",
                      "what's the background color"])
    bg = "light grey" if scene["bg"] == "grey" else scene["bg"]
    return core + pick(rng, ["?", ""]), f" The background is {bg}."


def exists_target(rng, scene, o):
    """(colour, shape) a yes/no question asks about; `o` is a random object of `scene`."""
    r = rng.random()
    if EXISTS_BALANCE is None:
        return (o["color"], o["shape"]) if r < 0.5 else (pick(rng, COLORS), pick(rng, SHAPES))
    if r < EXISTS_BALANCE:
        return o["color"], o["shape"]
    shapes = [x["shape"] for x in scene["objects"]]
    if r < 1 - 0.15:
        have = {x["color"] for x in scene["objects"] if x["shape"] == o["shape"]}
        return pick(rng, [c for c in COLORS if c not in have]), o["shape"]
    missing = [x for x in SHAPES if x not in shapes]
    # all three shapes there (rare): any colour of o's shape, so the answer may be "yes"
    return pick(rng, COLORS), (pick(rng, missing) if missing else o["shape"])


def describe(rng, scene):
    core = pick(rng, ["describe the image", "describe this picture", "what's in this picture", "what do you see",
                      "caption this", "tell me about this image", "what is in the image", "describe it",
                      "what does this image show", "can you describe this", "write a caption for this image",
                      "what's this", "explain what's in the picture", "describe what you see",
                      "what is shown here", "give me a description of the image"])
    return polite(rng, core, pick(rng, ["", "?", "."])), " The image shows " + caption(scene) + "."
