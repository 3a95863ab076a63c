"""Tiny text encoder, x0-predicting denoisers and upsampling decoders (ONNX-friendly ops only)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class Attention(nn.Module):
    def __init__(self, dim, ctx_dim, heads=4):
        super().__init__()
        self.h = heads
        self.q, self.k, self.v = nn.Linear(dim, dim), nn.Linear(ctx_dim, dim), nn.Linear(ctx_dim, dim)
        self.o = nn.Linear(dim, dim)

    def forward(self, x, ctx, bias=None):
        b, n, d = x.shape
        hd = d // self.h
        q = self.q(x).reshape(b, n, self.h, hd).transpose(1, 2)
        k = self.k(ctx).reshape(b, -1, self.h, hd).transpose(1, 2)
        v = self.v(ctx).reshape(b, -1, self.h, hd).transpose(1, 2)
        att = q @ k.transpose(-1, -2) / math.sqrt(hd)
        if bias is not None:
            att = att + bias
        out = att.softmax(-1) @ v
        return self.o(out.transpose(1, 2).reshape(b, n, d))


class TextEncoder(nn.Module):
    """input_ids [B,S], attention_mask [B,S] → last_hidden_state [B,S,D]: embeddings + 2 pre-LN layers.

    `sep_ids` (audio, video): tokens that join the parts of a sequence ("then", "and", ...). Every token
    after the first of them gets a learned "second part" embedding (a BERT-like segment id computed in
    the graph with CumSum), so the denoiser can tell which part a word belongs to without learning it
    from positions alone. `zero_pad` (audio, image, video) zeroes the padding rows of the output, so the denoiser's
    cross-attention (which sees no mask) is not flooded by 30-odd padding rows that each summarise the
    whole prompt as a bag of words. Without these options the encoder is unchanged."""

    def __init__(self, vocab, dim=64, max_len=40, layers=2, sep_ids=(), zero_pad=False):
        super().__init__()
        self.zero_pad = zero_pad
        self.emb = nn.Embedding(vocab, dim)
        self.pos = nn.Parameter(torch.randn(max_len, dim) * 0.02)
        if sep_ids:
            self.register_buffer("sep_ids", torch.tensor(list(sep_ids), dtype=torch.long), persistent=False)
            self.seg = nn.Parameter(torch.randn(dim) * 0.02)
        else:
            self.sep_ids = None
        self.att = nn.ModuleList(Attention(dim, dim) for _ in range(layers))
        self.ln1 = nn.ModuleList(nn.LayerNorm(dim) for _ in range(layers))
        self.ln2 = nn.ModuleList(nn.LayerNorm(dim) for _ in range(layers))
        self.ff = nn.ModuleList(nn.Sequential(nn.Linear(dim, dim * 2), nn.GELU(), nn.Linear(dim * 2, dim))
                                for _ in range(layers))
        self.out = nn.LayerNorm(dim)

    def forward(self, ids, mask):
        x = self.emb(ids) + self.pos[: ids.shape[1]]
        if self.sep_ids is not None:
            sep = (ids[:, :, None] == self.sep_ids[None, None]).float().sum(-1)  # [B,S] 1 at separators
            second = (sep.cumsum(1) > 0.5).float()
            x = x + second[:, :, None] * self.seg
        bias = ((1.0 - mask.float()) * -1e4)[:, None, None, :]
        for att, ln1, ln2, ff in zip(self.att, self.ln1, self.ln2, self.ff):
            h = ln1(x)
            x = x + att(h, h, bias)
            x = x + ff(ln2(x))
        if self.zero_pad:  # padding rows become zero vectors: one shared "null" key for the denoiser
            return self.out(x) * mask.float()[:, :, None]
        return self.out(x)


def timestep_embedding(t, dim):
    """Sinusoidal embedding of t in [0,1000) → [B,dim]."""
    half = dim // 2
    freqs = torch.exp(-math.log(1000.0) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    args = t.float()[:, None] * freqs[None] * 0.1
    return torch.cat([torch.sin(args), torch.cos(args)], -1)


class ResBlock(nn.Module):
    def __init__(self, ch, temb, dilation=1, temporal=False):
        super().__init__()
        self.n1, self.n2 = nn.GroupNorm(8, ch), nn.GroupNorm(8, ch)
        self.c1 = nn.Conv2d(ch, ch, 3, padding=dilation, dilation=dilation)
        self.c2 = nn.Conv2d(ch, ch, 3, padding=1)
        self.t = nn.Linear(temb, ch * 2)
        self.temporal = nn.Conv3d(ch, ch, (3, 1, 1), padding=(1, 0, 0)) if temporal else None

    def forward(self, x, temb, frames):
        h = self.c1(F.silu(self.n1(x)))
        s, b = self.t(temb)[:, :, None, None].chunk(2, 1)
        h = self.c2(F.silu(self.n2(h) * (1 + s) + b))
        if self.temporal is not None:
            # [B*F,C,h,w] → [B,C,F,h,w]: mix neighbouring frames.
            bf, c, hh, ww = h.shape
            v = h.reshape(bf // frames, frames, c, hh, ww).transpose(1, 2)
            v = self.temporal(v).transpose(1, 2).reshape(bf, c, hh, ww)
            h = h + v
        return x + h


class CrossBlock(nn.Module):
    def __init__(self, ch, ctx):
        super().__init__()
        self.n = nn.LayerNorm(ch)
        self.att = Attention(ch, ctx)

    def forward(self, x, ctx):
        b, c, h, w = x.shape
        seq = x.flatten(2).transpose(1, 2)
        seq = seq + self.att(self.n(seq), ctx)
        return seq.transpose(1, 2).reshape(b, c, h, w)


class Denoiser(nn.Module):
    """x0 prediction from (x_t, t, text). 2-D latents [B,C,h,w], or 5-D [B,C,F,h,w] when frames > 0
    (frames folded into the batch, a frame-index channel and temporal convs). `cond_channels` extra
    input channels (InstructPix2Pix image latents) are concatenated and, when `residual`, added back.
    `up_head` (patch 4): the blocks' features are upsampled in two ×2 steps and a last conv also sees the
    full-resolution inputs, so shape edges finer than a 4×4 patch can be drawn (and kept, for edits).
    `gated` (edits, with `residual`): one more output channel is a per-cell gate, x0 = source + σ(gate)·Δ,
    trained to be 0 where the edit leaves the source alone (`gate_logits` keeps it for that loss). Without
    it the regression left ~10 grey levels of error on untouched pixels, so only a third of edits kept the rest."""

    def __init__(self, channels=3, ctx=64, ch=64, blocks=4, frames=0, cond_channels=0, residual=False, patch=2,
                 up_head=False, gated=False):
        super().__init__()
        self.frames, self.channels, self.residual = frames, channels, residual
        extra = 2 + (1 if frames else 0)
        # Patchified like a DiT: the blocks run at 1/patch resolution, a pixel shuffle restores it.
        self.inp = nn.Conv2d(channels + cond_channels + extra, ch, patch, stride=patch)
        self.up_head, self.gated = up_head, gated
        self.gate_logits = None
        if up_head:
            assert patch == 4
            self.head = nn.Sequential(nn.GroupNorm(8, ch), nn.SiLU(), nn.Conv2d(ch, 32 * 4, 3, padding=1),
                                      nn.PixelShuffle(2), nn.SiLU(), nn.Conv2d(32, 16 * 4, 3, padding=1),
                                      nn.PixelShuffle(2), nn.SiLU())
            self.tail = nn.Conv2d(16 + channels + cond_channels + extra, channels + int(gated), 3, padding=1)
        self.temb = nn.Sequential(nn.Linear(64, 128), nn.SiLU(), nn.Linear(128, 128))
        self.res = nn.ModuleList(ResBlock(ch, 128, dilation=1 + (i % 2), temporal=frames > 0)
                                 for i in range(blocks))
        self.cross = nn.ModuleList(CrossBlock(ch, ctx) for _ in range(blocks))
        if not up_head:
            self.out = nn.Sequential(nn.GroupNorm(8, ch), nn.SiLU(),
                                     nn.Conv2d(ch, channels * patch * patch, 3, padding=1), nn.PixelShuffle(patch))

    def forward(self, x, t, ctx, cond=None):
        frames = self.frames
        if frames:
            b, c, f, h, w = x.shape
            x = x.transpose(1, 2).reshape(b * f, c, h, w)
            if cond is not None:
                cond = cond.transpose(1, 2).reshape(b * f, -1, h, w)
            ctx = ctx[:, None].expand(b, f, ctx.shape[1], ctx.shape[2]).reshape(b * f, ctx.shape[1], ctx.shape[2])
            t = t[:, None].expand(b, f).reshape(b * f)
        n, _, h, w = x.shape
        ys = torch.arange(h, dtype=torch.float32, device=x.device)[:, None].expand(h, w) / (h - 1) * 2 - 1
        xs = torch.arange(w, dtype=torch.float32, device=x.device)[None, :].expand(h, w) / (w - 1) * 2 - 1
        extra = [xs[None, None].expand(n, 1, h, w), ys[None, None].expand(n, 1, h, w)]
        if frames:
            fi = torch.arange(frames, dtype=torch.float32, device=x.device) / (frames - 1) * 2 - 1
            extra.append(fi[None, :, None, None, None].expand(n // frames, frames, 1, h, w).reshape(n, 1, h, w))
        parts = torch.cat([x] + ([cond] if cond is not None else []) + extra, 1)
        hid = self.inp(parts)
        temb = self.temb(timestep_embedding(t, 64))
        for res, cross in zip(self.res, self.cross):
            hid = cross(res(hid, temb, frames), ctx)
        out = self.tail(torch.cat([self.head(hid), parts], 1)) if self.up_head else self.out(hid)
        if self.gated:
            self.gate_logits = out[:, self.channels:]
            out = out[:, : self.channels] * torch.sigmoid(self.gate_logits)
        if self.residual and cond is not None:
            out = out + cond[:, : self.channels]
        if frames:
            out = out.reshape(n // frames, frames, self.channels, h, w).transpose(1, 2)
        return out


class ConvRes(nn.Module):
    """Pre-activation residual pair of 3×3 convolutions (UpDecoder's latent-resolution trunk)."""

    def __init__(self, ch):
        super().__init__()
        self.a, self.b = nn.Conv2d(ch, ch, 3, padding=1), nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x):
        return x + self.b(F.silu(self.a(F.silu(x))))


class UpDecoder(nn.Module):
    """Latent (area-averaged image in [-1,1]) [N,3,h,w] → image [N,3,h·f,w·f]: bilinear upsampling plus a
    learned sharpening residual (the pack's "VAE decoder"). `depth` > 0: a wider trunk of residual convs
    at latent resolution first (a receptive field of ~2·depth+2 cells), so a shape's outline is inferred
    from its neighbours' coverage; the image decoder needs it (decoded ground truth passed the checker
    87.5 % of the time with the shallow head, 95 % with ch 64, depth 3; raw renders pass 96.5 %)."""

    def __init__(self, factor=8, ch=48, depth=0):
        super().__init__()
        self.factor = factor
        if depth:
            self.head = nn.Sequential(nn.Conv2d(3, ch, 3, padding=1), *(ConvRes(ch) for _ in range(depth)), nn.SiLU())
        else:
            self.head = nn.Sequential(nn.Conv2d(3, ch, 3, padding=1), nn.SiLU(), nn.Conv2d(ch, ch, 3, padding=1),
                                      nn.SiLU())
        ups, c = [], ch
        for _ in range(int(math.log2(factor))):
            ups += [nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(c, 32, 3, padding=1), nn.SiLU()]
            c = 32
        self.up = nn.Sequential(*ups)
        self.tail = nn.Conv2d(32 + 3, 3, 3, padding=1)

    def forward(self, z):
        base = F.interpolate(z, scale_factor=self.factor, mode="bilinear", align_corners=False)
        return base + self.tail(torch.cat([self.up(self.head(z)), base], 1))
