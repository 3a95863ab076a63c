"""Batches for joint training: token ids, image slots, supervision mask, [SEG] targets."""
import numpy as np
import torch

from shapes.corpus import dialogue, pieces
from shapes.world import COLORS, POSITIONS, SHAPES, SIZES, render

IMG_TOKENS = 16  # rows per image; train.py/evaluate.py set it from the checkpoint's cfg["img_tokens"]
MEAN, STD = 0.5, 0.5


def aux_target(scene):
    """Per named position: shape+1 (0 = empty), colour, size (-100 when empty); then the background colour."""
    t = []
    by_pos = {o["position"]: o for o in scene["objects"]}
    for p in POSITIONS:
        o = by_pos.get(p)
        t += [SHAPES.index(o["shape"]) + 1, COLORS.index(o["color"]), SIZES.index(o["size"])] if o else [0, -100, -100]
    return t + [(COLORS + ["grey"]).index(scene["bg"])]


def to_pixels(img):
    return (torch.from_numpy(img).float().permute(2, 0, 1) / 255.0 - MEAN) / STD


def encode_dialogue(tok, turns, rng, renders=None):
    """Returns dict(ids, sup, img_slots[(t, img_i, k)], images[list of uint8], segs[(pos, img, mask)])."""
    img_id, seg_id = tok.ids["<image>"], tok.ids["[SEG]"]
    opens = {tok.ids[t] for t in ("<gen>", "<edit>", "<video_cap>", "<vid_cap>", "<audio_cap>", "<aud_cap>")}
    closes = {tok.ids[t] for t in ("</gen>", "</edit>", "</video_cap>", "</vid_cap>", "</audio_cap>", "</aud_cap>")}
    ids, sup, slots, images, segs, scenes, inspan, inanswer = [], [], [], [], [], [], [], []
    inside = False
    rendered = {}
    turn_of_piece = []
    pcs = pieces(turns)
    ti = -1
    for kind, text in pcs:
        if kind == "tpl" and text.startswith("USER"):
            ti += 1
        if kind == "tpl" and text.startswith("ASSISTANT"):
            ti += 1
        turn_of_piece.append(ti)
    for (kind, text), ti in zip(pcs, turn_of_piece):
        t_ids = tok.encode(text)
        if kind == "img":
            scene = turns[ti]["image"]
            img, masks = render(scene, rng)
            rendered[id(scene)] = (img, masks)
            images.append(img)
            scenes.append(scene)
            for j in t_ids:
                if j == img_id:
                    for k in range(IMG_TOKENS):
                        slots.append((len(ids), len(images) - 1, k))
                        ids.append(0)
                        sup.append(False)
                        inspan.append(False)
                        inanswer.append(False)
                else:
                    ids.append(j)
                    sup.append(False)
                    inspan.append(False)
                    inanswer.append(False)
            continue
        for n, j in enumerate(t_ids):
            # A task span's caption/instruction and its closing tag (copied attributes: --span-weight).
            inspan.append(inside and kind == "atext")
            # An answer about an attached image (question, description: --answer-weight).
            inanswer.append(kind == "atext" and bool(turns[ti].get("answer")))
            inside = (inside or j in opens) and j not in closes
            if kind == "atext":
                sup.append(True)
                if j == seg_id and turns[ti].get("seg"):
                    sg = turns[ti]["seg"]
                    img, masks = rendered.get(id(sg["scene"])) or render(sg["scene"], rng)
                    segs.append((len(ids), img, masks[sg["idx"]], sg["scene"]["objects"][sg["idx"]]))
            else:
                sup.append(kind == "eos" and n == 0)
            ids.append(j)
    return {"ids": ids, "sup": sup, "slots": slots, "images": images, "segs": segs, "rendered": rendered,
            "scenes": scenes, "inspan": inspan, "inanswer": inanswer}


def batches(tok, rng, batch, pool=4, max_len=192, max_segs=6):
    """Endless length-bucketed batches: `pool` batches' worth of dialogues sorted by length (less padding)."""
    while True:
        items = []
        while len(items) < batch * pool:
            e = encode_dialogue(tok, dialogue(rng), rng)
            if len(e["ids"]) <= max_len:
                items.append(e)
        items.sort(key=lambda e: len(e["ids"]))
        order = rng.permutation(pool)
        for i in order:
            yield collate(items[i * batch:(i + 1) * batch], max_segs)


class _Stream(torch.utils.data.IterableDataset):
    def __init__(self, make):
        super().__init__()
        self.make = make

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        return self.make(info.id if info is not None else 0)


def _same(x):
    return x


def _one_thread(_):
    torch.set_num_threads(1)


def prefetched(make, workers=1, depth=6):
    """Runs the batch generator `make(k)` in forked worker processes so the next batches are drawn while the
    model trains (data is ~1/4 of a step on one core). With one worker, it inherits the seeded rng at fork time
    and all randomness of the data path flows through it, so the stream, and the training, are the same as
    with `workers=0`; the DataLoader's own seed comes from a private generator, not torch's global one. With
    N > 1 workers (a GPU machine, where drawing batches is the bottleneck) worker k draws its own stream from
    `make(k)`, which must seed its own rng from k, and the loader takes their batches in turn: seeded too,
    but a different stream for each N."""
    if workers == 0:
        return make(0)
    loader = torch.utils.data.DataLoader(
        _Stream(make), batch_size=None, num_workers=workers, collate_fn=_same, prefetch_factor=depth,
        multiprocessing_context="fork", worker_init_fn=_one_thread, generator=torch.Generator())
    return iter(loader)


def to_device(batch, device):
    """The batch's tensors on `device` (the same objects on the CPU)."""
    return {k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in batch.items()}


def make_batch(tok, rng, batch, max_len=192):
    items = []
    while len(items) < batch:
        e = encode_dialogue(tok, dialogue(rng), rng)
        if len(e["ids"]) <= max_len:
            items.append(e)
    return collate(items)


def collate(items, max_segs=6):
    batch = len(items)
    T = max(len(e["ids"]) for e in items)
    ids = torch.zeros(batch, T, dtype=torch.long)
    tgt = torch.full((batch, T), -100, dtype=torch.long)
    span = torch.zeros(batch, T, dtype=torch.bool)
    answer = torch.zeros(batch, T, dtype=torch.bool)
    att = torch.zeros(batch, T, dtype=torch.long)
    pix, slot_b, slot_t, slot_f, seg_b, seg_t, seg_img, seg_mask, aux = [], [], [], [], [], [], [], [], []
    seg_attr = []
    for b, e in enumerate(items):
        n = len(e["ids"])
        ids[b, :n] = torch.tensor(e["ids"])
        att[b, :n] = 1
        for t in range(n - 1):
            if e["sup"][t + 1]:
                tgt[b, t] = e["ids"][t + 1]
                span[b, t] = e["inspan"][t + 1]
                answer[b, t] = e["inanswer"][t + 1]
        base = len(pix)
        pix += [to_pixels(im) for im in e["images"]]
        aux += [aux_target(sc) for sc in e["scenes"]]
        for t, i, k in e["slots"]:
            slot_b.append(b)
            slot_t.append(t)
            slot_f.append((base + i) * IMG_TOKENS + k)
        for t, im, m, o in e["segs"][: max(0, max_segs - len(seg_b))]:
            seg_attr.append([POSITIONS.index(o["position"]), SHAPES.index(o["shape"]), COLORS.index(o["color"]),
                             SIZES.index(o["size"])])
            seg_b.append(b)
            seg_t.append(t)
            seg_img.append(to_pixels(im))
            seg_mask.append(torch.from_numpy(m).float())
    out = {"ids": ids, "tgt": tgt, "span": span, "answer": answer, "att": att,
           "slot_b": torch.tensor(slot_b, dtype=torch.long),
           "slot_t": torch.tensor(slot_t, dtype=torch.long), "slot_f": torch.tensor(slot_f, dtype=torch.long),
           "pix": torch.stack(pix) if pix else None, "seg_b": torch.tensor(seg_b, dtype=torch.long),
           "seg_t": torch.tensor(seg_t, dtype=torch.long),
           "seg_img": torch.stack(seg_img) if seg_img else None,
           "seg_mask": torch.stack(seg_mask) if seg_mask else None,
           "seg_attr": torch.tensor(seg_attr, dtype=torch.long) if seg_attr else None,
           "aux": torch.tensor(aux, dtype=torch.long) if aux else None}
    return out


def embed_inputs(model, batch, return_feats=False):
    emb = model.dec.embed(batch["ids"])
    feats = None
    if batch["pix"] is not None:
        feats = model.vis(batch["pix"])
        flat = feats.reshape(-1, emb.shape[-1])
        emb = emb.index_put((batch["slot_b"], batch["slot_t"]), flat[batch["slot_f"]])
    return (emb, feats) if return_feats else emb
