"""Paraphrase grammar: synonyms and surface noise (politeness, typos, casing, punctuation) for requests."""

COLOR_SYN = {
    "red": ["red", "red", "red", "crimson", "scarlet"], "green": ["green", "green", "green", "lime"],
    "blue": ["blue", "blue", "blue", "navy"], "yellow": ["yellow", "yellow", "golden"],
    "purple": ["purple", "purple", "violet"], "orange": ["orange"], "white": ["white"], "black": ["black"],
}
BG_SYN = {"grey": ["grey", "gray", "light grey", "light gray"]}
SHAPE_SYN = {
    "circle": ["circle", "circle", "circle", "ball", "disc", "disk", "dot", "round shape", "circle shape"],
    "square": ["square", "square", "square", "box", "block", "square shape"],
    "triangle": ["triangle", "triangle", "triangle", "triangle shape", "pyramid"],
}
SHAPE_PLURAL = {"circle": ["circles", "balls", "dots"], "square": ["squares", "boxes"], "triangle": ["triangles"]}
SIZE_SYN = {"small": ["small", "small", "little", "tiny", "mini", "smallish"],
            "large": ["large", "large", "big", "big", "huge", "giant", "large-sized"]}
POS_SYN = {
    "left": ["on the left", "on the left", "to the left", "at the left", "on the left side", "in the left part",
             "on the left side of the image", "at the left edge"],
    "right": ["on the right", "on the right", "to the right", "at the right", "on the right side",
              "in the right part", "on the right side of the picture", "at the right edge"],
    "top": ["at the top", "at the top", "on top", "at the top of the image", "in the upper part", "near the top",
            "up top", "in the top area"],
    "bottom": ["at the bottom", "at the bottom", "on the bottom", "near the bottom", "in the lower part",
               "at the bottom of the picture", "down at the bottom"],
    "center": ["in the center", "in the center", "in the middle", "in the centre", "at the center",
               "right in the middle", "in the middle of the image"],
}
POS_ADJ = {"left": ["left", "leftmost"], "right": ["right", "rightmost"], "top": ["top", "upper", "topmost"],
           "bottom": ["bottom", "lower", "bottommost"], "center": ["center", "middle", "central"]}
POS_TARGET = {"left": ["to the left", "left", "to the left side", "over to the left"],
              "right": ["to the right", "right", "to the right side", "over to the right"],
              "top": ["to the top", "up", "to the top of the image", "upwards", "up to the top"],
              "bottom": ["to the bottom", "down", "to the bottom of the image", "downwards", "down to the bottom"],
              "center": ["to the center", "to the middle", "to the centre", "into the middle"]}

PREFIX = ["", "", "", "", "please ", "can you ", "could you ", "would you ", "could you please ", "can u ",
          "i want you to ", "i'd like you to ", "hey, ", "ok ", "now ", "pls ", "kindly ", "go ahead and ",
          "hi! ", "hey bot, ", "yo ", "quick, ", "i need you to ", "would you mind to ", "hello, can you ",
          "so, ", "alright, ", "ok so ", "um, ", "try to ", "let's ", "okay now "]
SUFFIX = ["", "", "", "", " please", " thanks", " thank you", " for me", " :)", ", thanks!", " now", " pls",
          " real quick", " if you can", " thx", " please!", ", cheers", " asap", " ok?", " :D", " right now"]
END = ["", "", "", ".", ".", "!", "?", "!!", "...", " ."]
ORDINAL = {1: ["one", "1", "a single", "a"], 2: ["two", "2", "a couple of", "double"], 3: ["three", "3"],
           4: ["four", "4"]}
NUMBER_WORD = {1: "one", 2: "two", 3: "three", 4: "four"}
KEYWORDS = set()
for d in (COLOR_SYN, SHAPE_SYN, SIZE_SYN, POS_SYN, POS_TARGET):
    for v in d.values():
        for w in v:
            KEYWORDS.update(w.split())


def pick(rng, seq):
    return seq[int(rng.integers(len(seq)))]


def typo(rng, word):
    if len(word) < 4 or not word.isalpha():
        return word
    i = int(rng.integers(1, len(word) - 1))
    k = rng.random()
    if k < 0.35:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if k < 0.65:
        return word[:i] + word[i + 1:]
    if k < 0.85:
        return word[:i] + word[i] + word[i:]
    return word[:i] + pick(rng, "aeioustnr") + word[i + 1:]


# Casing shares of noisy(), the share of polite() requests sent bare (no prefix or suffix) and the share of
# task requests typed as a bare label ("two high beeps"). The defaults are the phase 1-9 grammar;
# extra.apply_registers() (train.py --registers) raises them.
CASE_UPPER, CASE_TITLE, BARE, BARE_LABEL = 0.04, 0.04, 0.0, 0.0
KEYWORD_TYPO = 0.02  # typo rate of attribute words (other words: 0.06); extra.apply_nouns raises it


def noisy(rng, text, strength=1.0):
    """Surface noise: typos (rarely on attribute words), casing, punctuation, spacing."""
    words = text.split(" ")
    out = []
    for w in words:
        p = (KEYWORD_TYPO if w in KEYWORDS else 0.06) * strength
        out.append(typo(rng, w) if rng.random() < p else w)
    s = " ".join(out)
    c = rng.random()
    if c < 0.3:
        s = s[:1].upper() + s[1:]
    elif c < 0.3 + CASE_UPPER:
        s = s.upper()
    elif c < 0.3 + CASE_UPPER + CASE_TITLE:
        s = s.title()
    if rng.random() < 0.03:
        s = s.replace(" ", "  ", 1)
    return s


def polite(rng, core, end=None):
    if BARE and rng.random() < BARE:  # drawn only when enabled, so earlier phases replay exactly
        return core + (pick(rng, END) if end is None else end)
    s = pick(rng, PREFIX) + core + pick(rng, SUFFIX)
    return s + (pick(rng, END) if end is None else end)


def request(rng, core, label):
    """A task request as typed: `core` with politeness and noise or, for a share BARE_LABEL of them, just the
    description `label` (the random draw happens only when enabled, so earlier phases replay exactly)."""
    if BARE_LABEL and rng.random() < BARE_LABEL:
        return noisy(rng, label + pick(rng, END))
    return noisy(rng, polite(rng, core))
