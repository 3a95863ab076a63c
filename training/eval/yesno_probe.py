"""Yes/no probe (session 9): after the gold colour list (" I see one square: blue. So"), does the LM say " y…" or
" no"? Three groups of canonical questions on fresh scenes: the object is there; the shape is there but not in
that colour, which is on another shape; the shape is there and the colour nowhere. Prints how often each
group gets "yes", the mean log-odds margin, and the AUC between present and each absent group.

  cd training && python3 eval/yesno_probe.py .cache/run9b/ckpt.pt [seed=4242] [n per group=60]"""
import sys, numpy as np, torch
sys.path.insert(0, '.'); sys.path.insert(0, 'eval')
import bpe, data
from data import encode_dialogue, to_pixels
from model import LLMBind
from shapes import corpus, dialogue, world
from shapes.corpus import GENERATION
ck = torch.load(sys.argv[1], map_location='cpu'); m = LLMBind(ck['cfg']); m.load_state_dict(ck['model']); m.eval()
data.IMG_TOKENS = ck['cfg']['img_tokens']
dialogue.EXISTS_LIST = True
corpus.USER_CASE = ck['cfg'].get('user_case', 'keep')
tok = bpe.Tokenizer.load('../models/demo/tokenizer.json')
YES, NO = tok.encode(' yes'), tok.encode(' no')
assert len(NO) == 1, NO  # " yes" is " y" + "es": the first token decides
rng = np.random.default_rng(int(sys.argv[2]) if len(sys.argv) > 2 else 4242)
N = int(sys.argv[3]) if len(sys.argv) > 3 else 60
res = {'present': [], 'absent_colour_elsewhere': [], 'absent_colour_nowhere': []}
while min(len(v) for v in res.values()) < N:
    scene = world.sample_scene(rng, n=int(rng.integers(1, 4)))
    objs = scene['objects']
    s = str(rng.choice(sorted({o['shape'] for o in objs})))
    same = [o['color'] for o in objs if o['shape'] == s]
    kind = str(rng.choice(list(res)))
    if kind == 'present':
        c = str(rng.choice(same))
    else:
        others = {o['color'] for o in objs if o['shape'] != s}
        elsewhere = kind == 'absent_colour_elsewhere'
        pool = [x for x in world.COLORS if x not in same and x != scene['bg'] and (x in others) == elsewhere]
        if not pool:
            continue
        c = str(rng.choice(pool))
    if len(res[kind]) >= N:
        continue
    q = f"is there a {c} {s}?"
    seen = [x['color'] for p in world.POSITIONS for x in objs if x['position'] == p and x['shape'] == s]
    prefix = f" I see {dialogue.NUMBER_WORDS[len(seen)]} {s}{'s' if len(seen) > 1 else ''}: {' and '.join(seen)}. So"
    turns = [{'role': 'user', 'text': q, 'image': scene}]
    # the user turn, then the generation prompt and the forced answer up to the decision
    e = encode_dialogue(tok, turns, rng)
    ids = e['ids'] + tok.encode(GENERATION) + tok.encode(prefix)
    with torch.no_grad():
        emb = m.dec.embed(torch.tensor([ids]))
        feats = m.vis(torch.stack([to_pixels(i) for i in e['images']]))
        for t, i, k in e['slots']:
            emb[0, t] = feats[i, k]
        att, pos = torch.ones(1, len(ids), dtype=torch.long), torch.arange(len(ids)).unsqueeze(0)
        logits = m.dec(emb, att, pos)[0][0, -1]
    lp = logits.log_softmax(-1)
    res[kind].append(float(lp[YES[0]] - lp[NO[0]]))
for k, v in res.items():
    v = np.array(v)
    print(f"{k:26s} n={len(v)} says yes {np.mean(v > 0):.2f}  mean margin {v.mean():+.2f}")
pres = np.array(res['present'])
for k in ('absent_colour_elsewhere', 'absent_colour_nowhere'):
    a = np.array(res[k])
    auc = np.mean([(p > x) + 0.5 * (p == x) for p in pres for x in a])
    print(f"AUC present vs {k}: {auc:.3f}")
