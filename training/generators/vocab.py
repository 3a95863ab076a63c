"""Word-level tokenizer shared by the generators' text encoders (models/demo/generators/tokenizer.json).

A HF `WordPiece` model without `##` pieces (a word is in the vocabulary or is [UNK]; the JS
library has no WordLevel model) with a lowercase normaliser and the `Whitespace` pre-tokenizer (\\w+|[^\\w\\s]+),
so `tokenize` below and the runtime's tokenizer give the same ids. Unknown words (typos, words the
prompts never use) map to [UNK]: the encoders are trained with such words, so they are ignored.
"""
import json
import re

from training.shapes import grammar, media, world

PAD, EOS, UNK = "<pad>", "</s>", "[UNK]"
MAX_LEN = 40

_EXTRA = """a an the and then plus with on in at of to is are while one two three four single couple double
draw paint sketch render generate create make show produce give me picture image photo drawing illustration
scene of please background colored coloured color colour light grey gray dark bright
high low pitched pitch deep sharp beep beeps bleep bleeps tone tones siren whistle hum humming drone rain
rainfall noise drum drums drumbeat drumming loop beat sound sounds audio clip effect rising falling steady
constant ascending descending going up down that rises falls like some short long followed by after first
moving left right top bottom center centre middle growing shrinking turning changing becoming getting bigger
smaller larger expanding sliding drifting travelling floating sinking dropping video animation movie gif
upwards downwards grows shrinks moves turns increasing decreasing size side part edge upper lower
change recolor recolour move remove delete add put place insert erase into instead it them object shape""".split()


def words():
    """Every word the training prompts can contain (sorted, deduplicated)."""
    seen = set(_EXTRA)
    texts = []
    for d in (grammar.COLOR_SYN, grammar.SHAPE_SYN, grammar.SIZE_SYN, grammar.POS_SYN, grammar.POS_TARGET,
              grammar.BG_SYN, grammar.SHAPE_PLURAL, grammar.POS_ADJ, grammar.ORDINAL, media.MOTIONS,
              media.SOUND_KINDS):
        for v in d.values():
            texts += list(v)
    texts += media.VIDEO_VERB + media.AUDIO_VERB + grammar.PREFIX + grammar.SUFFIX
    texts += world.COLORS + world.SHAPES + world.SIZES + list(world.POS_PHRASE.values())
    for t in texts:
        seen.update(split(t))
    return sorted(seen)


_SPLIT = re.compile(r"\w+|[^\w\s]+", re.ASCII)


def split(text):
    return _SPLIT.findall(text.lower())


def build_vocab():
    return {w: i for i, w in enumerate([PAD, EOS, UNK] + words())}


def tokenizer_json(vocab):
    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": vocab[t], "content": t, "single_word": False, "lstrip": False, "rstrip": False,
                          "normalized": False, "special": True} for t in (PAD, EOS, UNK)],
        "normalizer": {"type": "Lowercase"},
        "pre_tokenizer": {"type": "Whitespace"},
        "post_processor": None, "decoder": None,
        "model": {"type": "WordPiece", "vocab": vocab, "unk_token": UNK, "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100},
    }


def tokenize(vocab, text, max_len=MAX_LEN):
    """ids (body + eos, padded with <pad>) and mask, exactly as the runtime's PromptEncoder builds them."""
    body = [vocab.get(w, vocab[UNK]) for w in split(text)][: max_len - 1]
    ids = body + [vocab[EOS]]
    mask = [1] * len(ids)
    ids += [vocab[PAD]] * (max_len - len(ids))
    mask += [0] * (max_len - len(mask))
    return ids, mask
