"""Writes corpus pieces + unusual strings with their Python token ids (input for check_tokenizer.mjs)."""
import json
import sys

import numpy as np

import bpe
from shapes.corpus import dialogue, pieces

tok = bpe.Tokenizer.load(sys.argv[1])
rng = np.random.default_rng(int(sys.argv[3]) if len(sys.argv) > 3 else 99)
extra = ["héllo wörld ünïcode", "emoji 🎨🟥 ok", "日本語のテキスト", "tabs\tand\nnewlines  double  space ",
         "it's you'll we'd I'M", "x_y__z 123abc 4.5e3", "<gen> literal </gen> tags [SEG]<image>", "   ",
         "CAPS LOCK!!! ???", "snake_case and kebab-case", "naïve café", "a\u00a0b", "trailing space "]
with open(sys.argv[2], "w", encoding="utf-8") as f:
    for s in extra:
        f.write(json.dumps({"text": s, "ids": tok.encode(s)}) + "\n")
    for _ in range(int(sys.argv[4]) if len(sys.argv) > 4 else 2000):
        for _, t in pieces(dialogue(rng)):
            f.write(json.dumps({"text": t, "ids": tok.encode(t)}) + "\n")
