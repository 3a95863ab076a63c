"""Held-out evaluation on freshly generated dialogues (a seed range training never draws) and on a
hand-written request set (phrasings written outside the grammar). Greedy decoding with the KV cache.

Metrics: task routing (which task, or none), caption/instruction attributes, image questions (exact answer),
chit-chat task hallucination, [SEG] mean IoU (0 when no [SEG] is produced).
Usage: cd training && python3 eval/evaluate.py --ckpt .cache/run1/ckpt.pt [--n 400] [--json out.json]
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import bpe  # noqa: E402
import data  # noqa: E402
from data import encode_dialogue, to_pixels  # noqa: E402
from model import LLMBind  # noqa: E402
from shapes.corpus import GENERATION, exchange  # noqa: E402
from shapes import corpus, dialogue, world  # noqa: E402
from shapes.palettes import sample_palette  # noqa: E402
from shapes.world import render, sample_scene  # noqa: E402
from handwritten import CASES  # noqa: E402
from handwritten_b import CASES as CASES_B  # noqa: E402
from handwritten_c import CASES as CASES_C  # noqa: E402
from handwritten_d import CASES as CASES_D  # noqa: E402

OPEN = {"<gen>": "image_generation", "<edit>": "image_editing", "<video_cap>": "video_generation",
        "<vid_cap>": "video_generation", "<audio_cap>": "audio_generation", "<aud_cap>": "audio_generation"}


@torch.no_grad()
def generate(m, tok, turns, rng, max_new=72):
    e = encode_dialogue(tok, turns, rng)
    ids = e["ids"] + tok.encode(GENERATION)
    emb = m.dec.embed(torch.tensor([ids]))
    if e["images"]:
        feats = m.vis(torch.stack([to_pixels(i) for i in e["images"]]))
        for t, i, k in e["slots"]:
            emb[0, t] = feats[i, k]
    past, out, seg_h = None, [], []
    n = emb.shape[1]
    x, pos = emb, torch.arange(n).unsqueeze(0)
    eos, seg = tok.ids["</s>"], tok.ids["[SEG]"]
    for _ in range(max_new):
        att = torch.ones(1, pos[0, -1].item() + 1, dtype=torch.long)
        logits, past, h = m.dec(x, att, pos, past)
        if out and out[-1] == seg:
            seg_h.append(h[0, -1])  # LISA: hidden state at the step whose input is [SEG]
        nxt = int(logits[0, -1].argmax())
        if nxt == eos:
            break
        out.append(nxt)
        x = m.dec.embed(torch.tensor([[nxt]]))
        pos = pos[:, -1:] + 1
    if out and out[-1] == seg:
        att = torch.ones(1, pos[0, -1].item() + 1, dtype=torch.long)
        seg_h.append(m.dec(x, att, pos, past)[2][0, -1])
    return out, seg_h, e


def parse(tok, out):
    kinds, spans, cur = [], [], None
    for i in out:
        t = tok.vocab[i]
        if t in OPEN:
            kinds.append(OPEN[t])
            cur = []
        elif t.startswith("</") and t != "</s>" and cur is not None:
            spans.append(tok.decode(cur))
            cur = None
        elif t == "[SEG]":
            kinds.append("segmentation")
        elif cur is not None:
            cur.append(i)
    return "+".join(kinds) or "none", spans


def words_ok(text, attrs):
    low = text.lower()
    return all(a.lower() in low for a in attrs)


@torch.no_grad()
def seg_iou(m, h, img, mask):
    p = m.segproj(h.unsqueeze(0)).unsqueeze(0)
    logits = m.maskdec(m.segenc(to_pixels(img).unsqueeze(0)), p)[0, 0]
    pred = (logits > 0).numpy()
    inter, union = (pred & mask).sum(), (pred | mask).sum()
    return float(inter / union) if union else 1.0


def load_for_eval(path):
    """The checkpoint's model in eval mode, with the prompt settings it was trained with applied."""
    ck = torch.load(path, map_location="cpu")
    m = LLMBind(ck["cfg"])
    m.load_state_dict(ck["model"])
    m.eval()
    data.IMG_TOKENS = ck["cfg"]["img_tokens"]
    corpus.USER_CASE = ck["cfg"].get("user_case", "keep")  # as the engine renders it (chatTemplate.userCase)
    dialogue.EXISTS_LIST = bool(ck["cfg"].get("exists_list"))  # the answer format this checkpoint learned
    return m, ck


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default=".cache/run1/ckpt.pt")
    ap.add_argument("--tokenizer", default="../models/demo/tokenizer.json")
    ap.add_argument("--n", type=int, default=40, help="held-out dialogues per request type")
    ap.add_argument("--seed", type=int, default=990001)
    ap.add_argument("--json", default=None)
    ap.add_argument("--show", type=int, default=0)
    ap.add_argument("--show-attrs", action="store_true", help="print requests whose span misses an attribute")
    ap.add_argument("--show-questions", action="store_true", help="print image questions answered wrongly")
    ap.add_argument("--types", default="chat,clarify,gen,edit,seg,question,describe,video,audio,multi")
    ap.add_argument("--other-renderer", action="store_true",
                    help="draw scenes with other renderers' colours and wider position/size jitter")
    ap.add_argument("--resample", default="", help="kernels for scenes drawn at other resolutions, e.g. lanczos")
    a = ap.parse_args()
    torch.set_num_threads(1)
    if a.resample:
        world.RESAMPLE = tuple(a.resample.split(","))
    m, ck = load_for_eval(a.ckpt)
    if a.other_renderer:
        def other(scene, rng, **kw):
            return world.render(scene, rng, palette=sample_palette(rng), spread=1.6)
        data.render = other
    tok = bpe.Tokenizer.load(a.tokenizer)
    rng = np.random.default_rng(a.seed)
    stats = {k: [] for k in ("routing", "attrs", "questions", "describe", "describe_words", "chat_no_task", "iou")}
    per_type = {}
    shown = 0
    for etype in a.types.split(","):
        for _ in range(a.n):
            ctx = {"attached": None, "last": None}
            turns = []
            if rng.random() < 0.35:  # some history, as in a real thread
                turns += exchange(rng, ctx, str(rng.choice(["chat", "gen", "question", "audio"])))
            turns += exchange(rng, ctx, etype)
            gold = turns[-1]
            out, seg_h, e = generate(m, tok, turns[:-1], rng)
            kind, spans = parse(tok, out)
            text = tok.decode(out)
            ok = kind == gold["kind"]
            stats["routing"].append(ok)
            per_type.setdefault(etype, []).append(ok)
            if gold["kind"] in ("none",) and etype in ("chat", "clarify"):
                stats["chat_no_task"].append(kind == "none")
            if gold["kind"] not in ("none", "segmentation"):
                stats["attrs"].append(ok and words_ok(" ".join(spans), gold["attrs"]))
                if ok and not stats["attrs"][-1] and a.show_attrs:
                    print(f"[{etype}] ATTR U: {turns[-2]['text']!r}\n   got: {spans}\n  want: {gold['attrs']}")
            if etype == "question":
                stats["questions"].append(text.strip() == gold["text"].strip())
                if a.show_questions and not stats["questions"][-1]:
                    print(f"[question] U: {turns[-2]['text']!r}\n   got: {text!r}\n  gold: {gold['text']!r}")
            if etype == "describe":
                stats["describe"].append(text.strip() == gold["text"].strip())
                gw = gold["text"].lower().strip(" .").split()
                ow = text.lower().strip(" .").split()
                stats["describe_words"].append(sum(min(gw.count(w), ow.count(w)) for w in set(gw)) / len(gw))
            if etype == "seg":
                sg = gold["seg"]
                img, masks = e["rendered"].get(id(sg["scene"])) or render(sg["scene"], rng)
                stats["iou"].append(seg_iou(m, seg_h[0], img, masks[sg["idx"]]) if seg_h else 0.0)
            if shown < a.show or (not ok and shown < a.show + 15):
                shown += 1
                print(f"[{etype}] {'OK ' if ok else 'BAD'} U: {turns[-2]['text']!r}\n   got: {text!r}\n  gold: {gold['text']!r}")
    hand, hand_b, hand_c, hand_d = [], [], [], []
    for cases, res_list, tag in ((CASES, hand, "hand"), (CASES_B, hand_b, "hand-b"),
                                   (CASES_C, hand_c, "hand-c"), (CASES_D, hand_d, "hand-d")):
        for text, kind, attrs, needs_image in (cases if "chat" in a.types else []):
            turn = {"role": "user", "text": text, "image": sample_scene(rng) if needs_image else None}
            out, _, _ = generate(m, tok, [turn], rng)
            got, spans = parse(tok, out)
            ok = got == kind and (kind == "none" or words_ok(" ".join(spans) + " " + tok.decode(out), attrs))
            res_list.append(ok)
            if not ok:
                print(f"[{tag}] BAD {text!r} -> {tok.decode(out)!r} (want {kind} {attrs})")
    mean = lambda v: float(np.mean(v)) if v else float("nan")
    res = {k: {"value": mean(v), "n": len(v)} for k, v in stats.items()}
    res["handwritten_routing_and_attrs"] = {"value": mean(hand), "n": len(hand)}
    res["handwritten_b_routing_and_attrs"] = {"value": mean(hand_b), "n": len(hand_b)}
    res["handwritten_c_routing_and_attrs"] = {"value": mean(hand_c), "n": len(hand_c)}
    res["handwritten_d_routing_and_attrs"] = {"value": mean(hand_d), "n": len(hand_d)}
    res["routing_by_type"] = {k: mean(v) for k, v in per_type.items()}
    res["step"] = ck["step"]
    print(json.dumps(res, indent=1))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
