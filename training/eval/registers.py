"""Register probe: short commands in the registers people really type, built from fixed templates that are
not the training grammar's. Each request must route to its task and name its attributes inside the span.

Sets: capitals ("DRAW A RED CIRCLE"), title case ("Draw A Red Circle"), the same commands in lower case
(the control), bare labels with no verb ("two high beeps", "a red circle on the left"), capitals for the
other tasks ("MAKE A VIDEO OF A RED SQUARE MOVING LEFT").
Usage: cd training && python3 eval/registers.py --ckpt .cache/run9d/ckpt.pt [--show] [--json out.json]
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import bpe  # noqa: E402
from evaluate import generate, load_for_eval, parse, words_ok  # noqa: E402

COLORS = ["red", "green", "blue", "yellow", "purple", "orange", "white", "black"]
SHAPES = ["circle", "square", "triangle"]
POS = {"left": "on the left", "right": "on the right", "top": "at the top", "bottom": "at the bottom"}
GEN, VIDEO, AUDIO = "image_generation", "video_generation", "audio_generation"


def sets():
    draw = [(f"draw a {c} {s}", GEN, [c, s]) for c in COLORS for s in SHAPES]
    labels = [(f"{n} {p} beep{'' if n == 'one' else 's'}", AUDIO, [n, p, "beep"])
              for n in ("one", "two", "three", "four") for p in ("high", "low")]
    labels += [(t, AUDIO, w) for t, w in (("a rising siren", ["rising"]), ("a steady hum", ["steady"]),
                                         ("rain noise", ["rain"]), ("a drum beat", ["drum"]))]
    labels += [(f"a {c} {s} {POS[p]}", GEN, [c, s, p]) for c, s, p in
               zip(COLORS, SHAPES * 3, list(POS) * 2)]
    other = [(f"make a video of a {c} {s} moving {d}", VIDEO, [c, s, d])
             for c, s, d in zip(COLORS, SHAPES * 3, ["left", "right", "up", "down"] * 2)]
    other += [(f"play {n} {p} beeps", AUDIO, [n, p, "beep"]) for n in ("two", "three") for p in ("high", "low")]
    return {
        "lower (control)": draw,
        "capitals": [(t.upper(), k, w) for t, k, w in draw],
        "title case": [(t.title(), k, w) for t, k, w in draw],
        "bare labels": labels,
        "capitals, video/audio": [(t.upper(), k, w) for t, k, w in other],
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--tokenizer", default="../models/demo/tokenizer.json")
    ap.add_argument("--show", action="store_true", help="print the requests that fail")
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    torch.set_num_threads(1)
    m, _ = load_for_eval(a.ckpt)
    tok = bpe.Tokenizer.load(a.tokenizer)
    rng = np.random.default_rng(0)  # greedy decoding; the rng only feeds the prompt encoder's signature
    res = {}
    for name, items in sets().items():
        ok = 0
        for text, kind, words in items:
            out, _, _ = generate(m, tok, [{"role": "user", "text": text, "image": None}], rng)
            got, spans = parse(tok, out)
            good = got == kind and words_ok(" ".join(spans), words)
            ok += good
            if a.show and not good:
                print(f"  {name}: {text!r} -> {tok.decode(out)!r}")
        res[name] = {"right": ok, "n": len(items)}
        print(f"{name}: {ok}/{len(items)}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
