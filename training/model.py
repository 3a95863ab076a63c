"""Tiny LLaMA-like decoder (RMSNorm, rotary positions, GQA, SwiGLU, KV cache), vision encoder + projector,
seg projector, seg image encoder and mask decoder. The forward signatures match the ONNX contracts."""
import torch
import torch.nn as nn
import torch.nn.functional as F

CFG = dict(vocab=1024, hidden=128, layers=4, heads=4, kv_heads=2, head_dim=32, ffn=352, img_tokens=16, seg_dim=256,
           seg_ch=32)


class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-5):
        super().__init__()
        self.w = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.w


def rope(x, cos, sin):
    h = x.shape[-1] // 2
    x1, x2 = x[..., :h], x[..., h:]
    return x * cos + torch.cat([-x2, x1], dim=-1) * sin


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        H, hd = c["hidden"], c["head_dim"]
        self.nh, self.kvh, self.hd = c["heads"], c["kv_heads"], hd
        self.n1, self.n2 = RMSNorm(H), RMSNorm(H)
        self.q = nn.Linear(H, self.nh * hd, bias=False)
        self.k = nn.Linear(H, self.kvh * hd, bias=False)
        self.v = nn.Linear(H, self.kvh * hd, bias=False)
        self.o = nn.Linear(self.nh * hd, H, bias=False)
        self.gate = nn.Linear(H, c["ffn"], bias=False)
        self.up = nn.Linear(H, c["ffn"], bias=False)
        self.down = nn.Linear(c["ffn"], H, bias=False)

    def forward(self, x, cos, sin, bias, past_k=None, past_v=None):
        B, S, _ = x.shape
        h = self.n1(x)
        q = self.q(h).view(B, S, self.nh, self.hd).transpose(1, 2)
        k = self.k(h).view(B, S, self.kvh, self.hd).transpose(1, 2)
        v = self.v(h).view(B, S, self.kvh, self.hd).transpose(1, 2)
        q, k = rope(q, cos, sin), rope(k, cos, sin)
        if past_k is not None:
            k = torch.cat([past_k, k], dim=2)
            v = torch.cat([past_v, v], dim=2)
        rep = self.nh // self.kvh
        # Same head order as repeat_interleave, but expand+reshape exports to plain ONNX ops.
        T = k.shape[2]
        kk = k.unsqueeze(2).expand(B, self.kvh, rep, T, self.hd).reshape(B, self.nh, T, self.hd)
        vv = v.unsqueeze(2).expand(B, self.kvh, rep, T, self.hd).reshape(B, self.nh, T, self.hd)
        att = (q @ kk.transpose(-1, -2)) * (self.hd ** -0.5) + bias
        y = (att.softmax(-1) @ vv).transpose(1, 2).reshape(B, S, self.nh * self.hd)
        x = x + self.o(y)
        h = self.n2(x)
        return x + self.down(F.silu(self.gate(h)) * self.up(h)), k, v


class Decoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.embed = nn.Embedding(c["vocab"], c["hidden"])
        self.blocks = nn.ModuleList(Block(c) for _ in range(c["layers"]))
        self.norm = RMSNorm(c["hidden"])
        inv = 1.0 / (10000 ** (torch.arange(0, c["head_dim"], 2).float() / c["head_dim"]))
        self.register_buffer("inv_freq", inv, persistent=False)
        nn.init.normal_(self.embed.weight, std=0.02)

    def cos_sin(self, position_ids):
        f = position_ids.unsqueeze(-1).float() * self.inv_freq
        emb = torch.cat([f, f], dim=-1).unsqueeze(1)  # [B,1,S,hd]
        return emb.cos(), emb.sin()

    def forward(self, inputs_embeds, attention_mask, position_ids, past=None):
        """inputs_embeds [B,S,H], attention_mask [B,past+S] (1 = keep), position_ids [B,S];
        past: list of (k, v) [B,kvh,past,hd] or None. Returns logits, presents, last_hidden_state."""
        B, S, _ = inputs_embeds.shape
        total = attention_mask.shape[1]
        past_len = total - S
        qpos = torch.arange(S, device=inputs_embeds.device) + past_len
        kpos = torch.arange(total, device=inputs_embeds.device)
        allowed = (kpos.unsqueeze(0) <= qpos.unsqueeze(1)).unsqueeze(0) & (attention_mask.unsqueeze(1) > 0)
        bias = (~allowed).float().unsqueeze(1) * -1e9
        cos, sin = self.cos_sin(position_ids)
        x = inputs_embeds
        presents = []
        for i, blk in enumerate(self.blocks):
            pk, pv = past[i] if past is not None else (None, None)
            x, k, v = blk(x, cos, sin, bias, pk, pv)
            presents.append((k, v))
        h = self.norm(x)
        return h @ self.embed.weight.t(), presents, h


class VisionEncoder(nn.Module):
    """pixel_values [B,3,64,64] (normalised) → image_features [B,16,H]: conv stack to a 4x4 grid + projector."""

    def __init__(self, c):
        super().__init__()
        # Phase 1 used plain ReLU convs, whose units all died (constant features); phase 2 re-initialises
        # the encoder with GroupNorm + GELU, which keeps activations alive and bounded.
        if c.get("vis_act") == "gelu":
            def blk(i, o, s):
                return [nn.Conv2d(i, o, 3, s, 1), nn.GroupNorm(8, o), nn.GELU()]
        else:
            def blk(i, o, s):
                return [nn.Conv2d(i, o, 3, s, 1), nn.ReLU()]
        self.convs = nn.Sequential(*blk(3, 32, 2), *blk(32, 32, 1), *blk(32, 64, 2), *blk(64, 64, 1),
                                   *blk(64, 96, 2), *blk(96, 128, 2))
        self.pos = nn.Parameter(torch.zeros(1, 16, 128))
        self.proj = nn.Sequential(nn.Linear(128, c["hidden"]), nn.GELU(), nn.Linear(c["hidden"], c["hidden"]))

    def forward(self, pixel_values):
        f = self.convs(pixel_values)  # [B,128,4,4]
        f = f.flatten(2).transpose(1, 2) + self.pos
        return self.proj(f)


class SegProjector(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(c["hidden"], c["hidden"]), nn.ReLU(), nn.Linear(c["hidden"], c["seg_dim"]))

    def forward(self, hidden_states):
        return self.net(hidden_states)


def cbr(i, o, d=1):
    return nn.Sequential(nn.Conv2d(i, o, 3, 1, d, dilation=d), nn.ReLU())


class SegImageEncoder(nn.Module):
    """pixel_values [1,3,64,64] → image_embeddings [1,C,32,32]: a small U-Net with coordinate channels."""

    def __init__(self, c):
        super().__init__()
        C = c["seg_ch"]
        self.e1 = nn.Sequential(nn.Conv2d(5, 32, 3, 2, 1), nn.ReLU(), cbr(32, 32))
        self.e2 = nn.Sequential(nn.Conv2d(32, 48, 3, 2, 1), nn.ReLU(), cbr(48, 48))
        self.e3 = nn.Sequential(nn.Conv2d(48, 64, 3, 2, 1), nn.ReLU(), cbr(64, 64, 2))
        self.d2 = cbr(64 + 48, 48)
        self.d1 = nn.Sequential(cbr(48 + 32, C), nn.Conv2d(C, C, 3, 1, 1))

    def forward(self, pixel_values):
        B, _, Hh, W = pixel_values.shape
        ys = torch.linspace(-1, 1, Hh, device=pixel_values.device).view(1, 1, Hh, 1).expand(B, 1, Hh, W)
        xs = torch.linspace(-1, 1, W, device=pixel_values.device).view(1, 1, 1, W).expand(B, 1, Hh, W)
        x1 = self.e1(torch.cat([pixel_values, xs, ys], 1))
        x2 = self.e2(x1)
        x3 = self.e3(x2)
        u2 = self.d2(torch.cat([F.interpolate(x3, scale_factor=2.0, mode="nearest"), x2], 1))
        return self.d1(torch.cat([F.interpolate(u2, scale_factor=2.0, mode="nearest"), x1], 1))


class MaskDecoder(nn.Module):
    """image_embeddings [1,C,h,w] + prompt_embeddings [1,K,256] → mask_logits [1,K,2h,2w] (FiLM, convs, dot, 2x upsample)."""

    def __init__(self, c):
        super().__init__()
        C = c["seg_ch"]
        self.film = nn.Linear(c["seg_dim"], 3 * C)
        self.convs = nn.Sequential(nn.ReLU(), cbr(C, C), cbr(C, C, 2), nn.Conv2d(C, 1, 3, 1, 1))
        self.C = C

    def forward(self, image_embeddings, prompt_embeddings):
        K = prompt_embeddings.shape[1]
        C = self.C
        g = self.film(prompt_embeddings[0])  # [K,3C]
        gamma, beta, q = g[:, :C], g[:, C:2 * C], g[:, 2 * C:]
        e = image_embeddings.expand(K, -1, -1, -1)
        x = e * (1 + gamma[:, :, None, None]) + beta[:, :, None, None]
        dot = (e * q[:, :, None, None]).sum(1, keepdim=True) / (C ** 0.5)
        out = F.interpolate(self.convs(x) + dot, scale_factor=2.0, mode="bilinear", align_corners=False)
        return out[:, 0].unsqueeze(0)

    def forward_batch(self, image_embeddings, prompts):
        """Training path: N images with one prompt each → [N,h,w]."""
        C = self.C
        g = self.film(prompts)
        gamma, beta, q = g[:, :C], g[:, C:2 * C], g[:, 2 * C:]
        e = image_embeddings
        x = e * (1 + gamma[:, :, None, None]) + beta[:, :, None, None]
        dot = (e * q[:, :, None, None]).sum(1, keepdim=True) / (C ** 0.5)
        return F.interpolate(self.convs(x) + dot, scale_factor=2.0, mode="bilinear", align_corners=False)[:, 0]


class SlotVisionEncoder(nn.Module):
    """pixel_values [B,3,64,64] → image_features [B,10,H], one token per scene fact (phase 0 + 4 packs).

    A conv trunk with coordinate channels maps the image to 16×16 features (two stride-2 convs); 10 learned queries pool them
    with 4-head attention. Phase 0 (pretrain.py) supervises each pooled token with one fact, so the LM reads
    a near-symbolic scene: tokens 0–4 the object at left/right/top/bottom/center (shape or empty, colour,
    size), 5 the background colour, 6 the number of objects, 7–9 the number of circles/squares/triangles.
    The grid encoder before it left those facts spread over 16 cells, and the tiny LM could not gather them
    (20 % on image questions)."""

    SLOTS = 10

    def __init__(self, c):
        super().__init__()

        def blk(i, o, s, d=1):
            return [nn.Conv2d(i, o, 3, s, d, dilation=d), nn.GroupNorm(8, o), nn.GELU()]

        self.trunk = nn.Sequential(*blk(5, 32, 2), *blk(32, 48, 1), *blk(48, 64, 2), *blk(64, 96, 1),
                                   *blk(96, 96, 1, 2), *blk(96, 96, 1))
        self.key = nn.Conv2d(96, 64, 1)
        self.val = nn.Conv2d(96, 128, 1)
        self.query = nn.Parameter(torch.randn(4, self.SLOTS, 16) * 0.5)
        self.slot = nn.Parameter(torch.zeros(1, self.SLOTS, 128))
        self.mix = nn.Sequential(nn.LayerNorm(128), nn.Linear(128, 128), nn.GELU(), nn.Linear(128, 128))
        self.heads = FactHeads()
        # The LM reads the facts as probabilities (one fixed block of dims per kind of fact) mapped linearly
        # into its word-embedding space, plus an embedding per token. Phase 4 starts both at the words
        # themselves (train.word_init): the "left" token holds E(left) + p·E(circle, square, …) + p·E(red, …)
        # + …, so the LM can copy facts with the circuits it already uses to copy words from the request.
        # (Raw pooled features, then an MLP from fresh init, were ignored by the phase-3 LM: shuffling the
        # images did not change its loss after 750 steps.)
        self.proj = nn.Linear(FactHeads.WIDTH, c["hidden"], bias=False)
        self.token = nn.Parameter(torch.zeros(1, self.SLOTS, c["hidden"]))
        # vis_seq packs: each fact gets its own token after its slot's name token ("left", "circle-dist",
        # "colour-dist", "size-dist", "right", …; see SEQ_ORDER), so the LM reads the scene like a sentence
        # and finds "the green one" with the copy circuits it uses on the request. One vector holding
        # E(left) + p·E(shape) + p·E(colour) + p·E(size) was read wrongly on 30–40 % of image questions.
        self.seq = bool(c.get("vis_seq"))
        if self.seq:
            self.vtype = nn.Parameter(torch.zeros(1, len(SEQ_VALUES), c["hidden"]))
            self.register_buffer("vmask", torch.stack([_group_mask(g) for _, g in SEQ_VALUES]), persistent=False)
            self.register_buffer("vslot", torch.tensor([s for s, _ in SEQ_VALUES]), persistent=False)
            self.register_buffer("order", torch.tensor(SEQ_ORDER), persistent=False)

    def facts(self, pixel_values):
        """Pooled per-fact features [B,10,128] (what phase 0's heads read)."""
        B, _, Hh, W = pixel_values.shape
        ys = torch.linspace(-1, 1, Hh, device=pixel_values.device).view(1, 1, Hh, 1).expand(B, 1, Hh, W)
        xs = torch.linspace(-1, 1, W, device=pixel_values.device).view(1, 1, 1, W).expand(B, 1, Hh, W)
        f = self.trunk(torch.cat([pixel_values, xs, ys], 1))
        k = self.key(f).flatten(2).view(B, 4, 16, -1)  # [B,4 heads,16,HW]
        v = self.val(f).flatten(2).view(B, 4, 32, -1)
        att = torch.einsum("hsd,bhdn->bhsn", self.query, k).softmax(-1)  # [B,4,S,HW]
        pooled = torch.einsum("bhsn,bhdn->bshd", att, v).reshape(B, self.SLOTS, 128) + self.slot
        return pooled + self.mix(pooled)

    def forward(self, pixel_values):
        p = self.heads.probs(self.facts(pixel_values))
        if not self.seq:
            return self.proj(p) + self.token
        vals = self.proj(p[:, self.vslot] * self.vmask) + self.vtype  # [B,20,H], one fact each
        return torch.cat([self.token.expand(p.shape[0], -1, -1), vals], 1)[:, self.order]


# FactHeads.probs dims per kind of fact: object shape (or empty), colour, size; background; object count;
# per-shape count. SEQ_VALUES lists the value tokens (slot, group) and SEQ_ORDER interleaves them after
# their slot's name token: [left, shape, colour, size, right, …, center, …, background, bg colour,
# shapes, count, circles, count, squares, count, triangles, count] = 30 tokens.
GROUPS = {"shape": (0, 4), "color": (4, 12), "size": (12, 14), "bg": (14, 23), "total": (23, 26), "count": (26, 30)}
SEQ_VALUES = [(s, g) for s in range(5) for g in ("shape", "color", "size")] + [
    (5, "bg"), (6, "total"), (7, "count"), (8, "count"), (9, "count")]
SEQ_ORDER = [i for s in range(10) for i in [s] + [10 + j for j, (vs, _) in enumerate(SEQ_VALUES) if vs == s]]


def _group_mask(group):
    lo, hi = GROUPS[group]
    return torch.zeros(FactHeads.WIDTH).index_fill_(0, torch.arange(lo, hi), 1.0)


class FactHeads(nn.Module):
    """Linear readouts of SlotVisionEncoder.facts, one per kind of fact (trained in phase 0)."""

    WIDTH = 14 + 9 + 3 + 4

    def __init__(self):
        super().__init__()
        self.obj, self.bg = nn.Linear(128, 4 + 8 + 2), nn.Linear(128, 9)
        self.total, self.count = nn.Linear(128, 3), nn.Linear(128, 4)

    def logits(self, f):
        return self.obj(f[:, :5]), self.bg(f[:, 5]), self.total(f[:, 6]), self.count(f[:, 7:10])

    def probs(self, f):
        """[B,10,30]: each token's fact distribution in its own block of dims (zeros elsewhere)."""
        o, bg, tot, cnt = self.logits(f)
        B = f.shape[0]
        shape = o[..., :4].softmax(-1)
        present = 1 - shape[..., :1]  # an empty position has no colour or size
        obj = torch.cat([shape, o[..., 4:12].softmax(-1) * present, o[..., 12:].softmax(-1) * present], -1)
        z = f.new_zeros
        rows = [torch.cat([obj, z(B, 5, 16)], -1),
                torch.cat([z(B, 1, 14), bg.softmax(-1).unsqueeze(1), z(B, 1, 7)], -1),
                torch.cat([z(B, 1, 23), tot.softmax(-1).unsqueeze(1), z(B, 1, 4)], -1),
                torch.cat([z(B, 3, 26), cnt.softmax(-1)], -1)]
        return torch.cat(rows, 1)


class TeacherPrompt(nn.Module):
    """Training-only (phase 0 seg, phase 4): the [SEG] prompt an ideal LM would give for an object,
    built from its attributes. The mask decoder learns against it; the seg projector is then taught to
    reproduce it from the hidden state at [SEG]."""

    def __init__(self, c):
        super().__init__()
        self.pos, self.shape = nn.Embedding(5, 64), nn.Embedding(3, 64)
        self.color, self.size = nn.Embedding(8, 64), nn.Embedding(2, 64)
        self.out = nn.Sequential(nn.GELU(), nn.Linear(64, c["seg_dim"]))

    def forward(self, attrs):
        """attrs [N,4] long: position, shape, colour, size indices (shapes.world order)."""
        e = self.pos(attrs[:, 0]) + self.shape(attrs[:, 1]) + self.color(attrs[:, 2]) + self.size(attrs[:, 3])
        return self.out(e)


class LLMBind(nn.Module):
    def __init__(self, c=CFG):
        super().__init__()
        self.c = c
        self.dec = Decoder(c)
        self.vis = SlotVisionEncoder(c) if c.get("vis_kind") == "slots" else VisionEncoder(c)
        self.segproj = SegProjector(c)
        self.segenc = SegImageEncoder(c)
        self.maskdec = MaskDecoder(c)
