"""Multi-turn dialogue assembly and the prompt layout (identical to the engine's tokenization rule)."""
from . import chat
from .dialogue import describe, edit_request, gen_request, question, seg_request
from .grammar import noisy, pick, polite
from .media import audio_request, video_request
from .world import sample_scene

SYSTEM = "Shapes-world assistant.\n"
USER = ("USER: ", "\n")
ASSISTANT = ("ASSISTANT:", "</s>\n")
GENERATION = "ASSISTANT:"
IMAGE = "<image>\n"
# "lower": user text is lower-cased before it is encoded (manifest chatTemplate.userCase; train.py --lower-user).
# Capitals carry nothing in the shapes world, and the tiny LM read capitalised words as unrelated byte pieces.
USER_CASE = "keep"
TEMPLATE = {"system": SYSTEM, "user": "USER: {text}\n", "assistant": "ASSISTANT:{text}</s>\n",
            "generation": GENERATION, "image": IMAGE}

KINDS = ["none", "image_generation", "image_editing", "segmentation", "video_generation", "audio_generation"]
# How a two-task request joins its parts (extra.apply_phrasings extends it).
MULTI_JOIN = [" and ", " and also ", ", then "]
# Which clarification a "clarify" exchange gets when an image exists (extra.apply_scope adds the video and
# sound ones); with no image, "noimage" is added twice.
CLARIFY_KEYS = ["gen", "video", "audio", "unsupported", "unsupported"]
GEN_TWIN = 0.0  # share of image requests written as an "unsupported" template's twin (chat.twin_request; phase 13)
WEIGHTS = {"chat": 0.17, "gen": 0.15, "edit": 0.11, "seg": 0.14, "question": 0.12, "describe": 0.06,
           "video": 0.08, "audio": 0.08, "clarify": 0.06, "multi": 0.03}
PREFACE = {"image_generation": " Sure, here is the image. ", "image_editing": " Sure, here is the edited image. ",
           "video_generation": " Sure, here is the video. ", "audio_generation": " Sure, here is the sound. "}
TAGS = {"image_generation": ("<gen>", "</gen>"), "image_editing": ("<edit>", "</edit>"),
        "video_generation": ("<video_cap>", "</video_cap>"), "audio_generation": ("<audio_cap>", "</audio_cap>")}


def span(kind, text):
    o, c = TAGS[kind]
    return f"{o} {text} {c}"


def task_reply(rng, kind, text):
    if rng.random() < 0.05:
        return span(kind, text)  # forced-task style: the tag right after the generation prompt
    return PREFACE[kind] + span(kind, text)


def exchange(rng, ctx, etype):
    """One user→assistant exchange. ctx holds 'attached' (scene the LM has seen) and 'last' (latest scene)."""
    user = {"role": "user", "text": "", "image": None}
    asst = {"role": "assistant", "text": "", "kind": "none", "attrs": [], "seg": None, "etype": etype}
    if etype == "chat":
        user["text"], asst["text"] = chat.chitchat(rng)
    elif etype == "clarify":
        key = pick(rng, CLARIFY_KEYS +
                   (["noimage", "noimage"] if ctx["last"] is None else []))
        user["text"], asst["text"] = chat.clarify(rng, key)
    elif etype == "gen":
        twin = GEN_TWIN and rng.random() < GEN_TWIN  # drawn only when enabled, so earlier phases replay
        user["text"], cap, words, scene = (chat.twin_request if twin else gen_request)(rng)
        asst.update(text=task_reply(rng, "image_generation", cap), kind="image_generation", attrs=words)
        ctx["last"] = scene
    elif etype in ("video", "audio"):
        kind = etype + "_generation"
        user["text"], cap, words = (video_request if etype == "video" else audio_request)(rng)
        asst.update(text=task_reply(rng, kind, cap), kind=kind, attrs=words)
    elif etype == "multi":
        parts = [gen_request, video_request, audio_request]
        a, b = rng.choice(3, size=2, replace=False)
        r1, r2 = parts[a](rng), parts[b](rng)
        k1, k2 = [["image_generation", "video_generation", "audio_generation"][i] for i in (a, b)]
        user["text"] = r1[0].rstrip(".!?") + pick(rng, MULTI_JOIN) + r2[0][:1].lower() + r2[0][1:]
        asst.update(text=" Sure, here they are. " + span(k1, r1[1]) + " " + span(k2, r2[1]), kind=k1 + "+" + k2,
                    attrs=r1[2] + r2[2])
    else:
        needs_seen = etype in ("question", "describe")
        scene = None
        if ctx["attached"] is not None and rng.random() < 0.4:
            scene = ctx["attached"]
        elif not needs_seen and ctx["last"] is not None and rng.random() < 0.5:
            scene = ctx["last"]
        if scene is None:
            scene = sample_scene(rng)
            user["image"] = scene
            ctx["attached"] = scene
        ctx["last"] = scene
        if etype == "edit":
            core, instr, words = edit_request(rng, scene)
            user["text"] = noisy(rng, polite(rng, core))
            asst.update(text=task_reply(rng, "image_editing", instr), kind="image_editing", attrs=words)
            ctx["last"] = None if user["image"] is None else ctx["last"]
            ctx["attached"] = None
        elif etype == "seg":
            core, ref, idx, words = seg_request(rng, scene)
            user["text"] = noisy(rng, polite(rng, core))
            asst.update(text=f" Sure, here is the mask of {ref} [SEG].", kind="segmentation", attrs=words,
                        seg={"scene": scene, "idx": idx})
        elif etype == "question":
            q, a = question(rng, scene)
            user["text"] = noisy(rng, q, 0.5)
            asst["text"] = a
            asst["answer"] = a
        else:
            user["text"], a = describe(rng, scene)
            user["text"] = noisy(rng, user["text"], 0.5)
            asst["text"] = a
            asst["answer"] = a
    user["text"] = user["text"].strip()
    return [user, asst]


def sample_etype(rng):
    keys = list(WEIGHTS)
    p = [WEIGHTS[k] for k in keys]
    s = sum(p)
    return keys[int(rng.choice(len(keys), p=[x / s for x in p]))]


def dialogue(rng, n_exchanges=None, last_etype=None):
    n = n_exchanges or int(rng.choice([1, 1, 1, 2, 2, 3]))
    ctx = {"attached": None, "last": None}
    turns = []
    for i in range(n):
        et = last_etype if (last_etype and i == n - 1) else sample_etype(rng)
        turns += exchange(rng, ctx, et)
    return turns


def pieces(turns, upto=None):
    """The prompt pieces (encoded separately) for `turns`; with upto, stops at the generation prompt."""
    out = [("sys", SYSTEM)]
    for i, t in enumerate(turns):
        if upto is not None and i == upto:
            out.append(("gen", GENERATION))
            return out
        if t["role"] == "user":
            out.append(("tpl", USER[0]))
            if t.get("image") is not None:
                out.append(("img", IMAGE))
            text = t["text"].strip()
            out += [("utext", text.lower() if USER_CASE == "lower" else text), ("tpl", USER[1])]
        else:
            out += [("tpl", ASSISTANT[0]), ("atext", t["text"]), ("eos", ASSISTANT[1])]
    return out
