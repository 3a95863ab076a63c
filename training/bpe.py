"""Byte-level BPE: training, encoding identical to Hugging Face `tokenizers` (ByteLevel pre-tokenizer,
use_regex, no prefix space), and tokenizer.json export with the task tokens as added tokens."""
import json
import re
from collections import Counter

ADDED = ["<pad>", "<s>", "</s>", "<image>", "[SEG]", "<gen>", "</gen>", "<edit>", "</edit>", "<video_cap>",
         "</video_cap>", "<vid_cap>", "</vid_cap>", "<audio_cap>", "</audio_cap>", "<aud_cap>", "</aud_cap>"]
SPECIAL = {"<pad>", "<s>", "</s>"}
# GPT-2 pattern with \p{L} ~ [^\W\d_] and \p{N} ~ \d (identical on the corpus; checked against JS).
PRETOK = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[^\W\d_]+| ?\d+| ?(?:[^\s\w]|_)+|\s+(?!\S)|\s+""")
ADDED_RE = re.compile("|".join(re.escape(t) for t in sorted(ADDED, key=len, reverse=True)))


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, (chr(c) for c in cs)))


B2U = bytes_to_unicode()
U2B = {v: k for k, v in B2U.items()}


def pretokens(text):
    return ["".join(B2U[b] for b in m.encode("utf-8")) for m in PRETOK.findall(text)]


def split_added(text):
    """Yields (is_added, piece) like HF: added tokens are matched first, everywhere."""
    pos = 0
    for m in ADDED_RE.finditer(text):
        if m.start() > pos:
            yield False, text[pos:m.start()]
        yield True, m.group(0)
        pos = m.end()
    if pos < len(text):
        yield False, text[pos:]


def train(texts, vocab_size):
    counts = Counter()
    for t in texts:
        for added, piece in split_added(t):
            if not added:
                counts.update(pretokens(piece))
    words = {w: list(w) for w in counts}
    vocab = list(ADDED) + sorted(set(B2U.values()))
    merges = []
    while len(vocab) < vocab_size:
        pairs = Counter()
        for w, syms in words.items():
            c = counts[w]
            for a, b in zip(syms, syms[1:]):
                pairs[(a, b)] += c
        if not pairs:
            break
        (a, b), n = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))
        if n < 2:
            break
        merges.append((a, b))
        vocab.append(a + b)
        for w, syms in words.items():
            i, out = 0, []
            while i < len(syms):
                if i + 1 < len(syms) and syms[i] == a and syms[i + 1] == b:
                    out.append(a + b)
                    i += 2
                else:
                    out.append(syms[i])
                    i += 1
            words[w] = out
    return Tokenizer(vocab, merges)


class Tokenizer:
    def __init__(self, vocab, merges):
        self.vocab = vocab
        self.ids = {t: i for i, t in enumerate(vocab)}
        self.merges = merges
        self.rank = {m: i for i, m in enumerate(merges)}
        self.cache = {}

    def _bpe(self, word):
        if word in self.cache:
            return self.cache[word]
        syms = list(word)
        while len(syms) > 1:
            best = min(((self.rank.get(p, 1 << 30), i) for i, p in enumerate(zip(syms, syms[1:]))))
            if best[0] == 1 << 30:
                break
            i = best[1]
            syms = syms[:i] + [syms[i] + syms[i + 1]] + syms[i + 2:]
        ids = [self.ids[s] for s in syms]
        self.cache[word] = ids
        return ids

    def encode(self, text):
        out = []
        for added, piece in split_added(text):
            if added:
                out.append(self.ids[piece])
            else:
                for w in pretokens(piece):
                    out += self._bpe(w)
        return out

    def decode(self, ids):
        s, buf = [], []
        for i in ids:
            t = self.vocab[i]
            if t in ADDED:
                if buf:
                    s.append(bytes(buf).decode("utf-8", "replace"))
                    buf = []
                s.append(t)
            else:
                buf += [U2B[c] for c in t]
        if buf:
            s.append(bytes(buf).decode("utf-8", "replace"))
        return "".join(s)

    def save(self, path):
        added = [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
                  "normalized": False, "special": t in SPECIAL} for i, t in enumerate(ADDED)]
        bl = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
        data = {"version": "1.0", "truncation": None, "padding": None, "added_tokens": added, "normalizer": None,
                "pre_tokenizer": bl, "post_processor": None, "decoder": bl,
                "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                          "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False,
                          "ignore_merges": False, "vocab": self.ids, "merges": [f"{a} {b}" for a, b in self.merges]}}
        with open(path, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False)

    @staticmethod
    def load(path):
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
        vocab = sorted(d["model"]["vocab"], key=d["model"]["vocab"].get)
        return Tokenizer(vocab, [tuple(m.split(" ")) for m in d["model"]["merges"]])
