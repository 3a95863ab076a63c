"""Noise schedule, training loss and the DDIM sampler the runtime uses (SD 1.5 schedule, `leading`
spacing, steps offset 1), plus the export wrapper that turns x0 predictions into ε."""
import torch
import torch.nn as nn


def alphas_cumprod(n=1000, start=0.00085, end=0.012):
    betas = torch.linspace(start ** 0.5, end ** 0.5, n, dtype=torch.float64) ** 2
    return torch.cumprod(1 - betas, 0).float()


ACP = alphas_cumprod()


def noisy(x0, rng_t=None):
    """(x_t, t) for a batch of clean latents with uniform timesteps."""
    b = x0.shape[0]
    t = torch.randint(0, 1000, (b,), device=x0.device) if rng_t is None else rng_t
    a = ACP.to(x0.device)[t].reshape(b, *([1] * (x0.dim() - 1)))
    return a.sqrt() * x0 + (1 - a).sqrt() * torch.randn_like(x0), t


def ddim_timesteps(steps):
    ratio = 1000 // steps
    return [int(i * ratio + 1) for i in reversed(range(steps))], ratio


@torch.no_grad()
def sample(model, ctx, uncond, shape, steps, guidance, generator=None, cond=None):
    """DDIM (η=0) with classifier-free guidance in ε space, as the runtime's runner does it."""
    x = torch.randn(shape, generator=generator)
    ts, ratio = ddim_timesteps(steps)
    b = shape[0]
    for t in ts:
        a = ACP[t]
        a_prev = ACP[t - ratio] if t - ratio >= 0 else ACP[0]
        tt = torch.full((b,), t)
        x0 = model(x, tt, ctx, cond)
        eps = (x - a.sqrt() * x0) / (1 - a).sqrt()
        if guidance > 1:
            x0u = model(x, tt, uncond, None if cond is None else cond)
            eps_u = (x - a.sqrt() * x0u) / (1 - a).sqrt()
            eps = eps_u + guidance * (eps - eps_u)
        x0 = (x - (1 - a).sqrt() * eps) / a.sqrt()
        x = a_prev.sqrt() * x0 + (1 - a_prev).sqrt() * eps
    return x


@torch.no_grad()
def sample_edit(model, ctx, uncond, src, steps, text_scale, image_scale, generator=None):
    """InstructPix2Pix sampling as the runtime does it: rows [text+image, image only, neither]."""
    x = torch.randn(src.shape, generator=generator)
    ts, ratio = ddim_timesteps(steps)
    b = src.shape[0]
    zero = torch.zeros_like(src)
    for t in ts:
        a = ACP[t]
        a_prev = ACP[t - ratio] if t - ratio >= 0 else ACP[0]
        tt = torch.full((b,), t)
        eps = [(x - a.sqrt() * model(x, tt, c, s)) / (1 - a).sqrt() for c, s in ((ctx, src), (uncond, src), (uncond, zero))]
        e = eps[2] + text_scale * (eps[0] - eps[1]) + image_scale * (eps[1] - eps[2])
        x0 = (x - (1 - a).sqrt() * e) / a.sqrt()
        x = a_prev.sqrt() * x0 + (1 - a_prev).sqrt() * e
    return x


class EpsUnet(nn.Module):
    """ONNX `unet`: sample, timestep float32 [1], encoder_hidden_states → out_sample (ε). The network
    predicts x0; ε = (x_t − √ᾱ·x0)/√(1−ᾱ), with ᾱ gathered from the schedule inside the graph."""

    def __init__(self, net, cond_channels=0):
        super().__init__()
        self.net = net
        self.cond_channels = cond_channels
        self.register_buffer("acp", ACP.clone())

    def forward(self, sample, timestep, encoder_hidden_states):
        b = sample.shape[0]
        idx = timestep.round().clamp(0, 999).long()
        t = idx.expand(b)
        if self.cond_channels:
            c = sample.shape[1] - self.cond_channels
            x, cond = sample[:, :c], sample[:, c:]
        else:
            x, cond = sample, None
        x0 = self.net(x, t, encoder_hidden_states, cond)
        a = self.acp[idx].reshape(1, *([1] * (x.dim() - 1)))
        return (x - a.sqrt() * x0) / (1 - a).sqrt()
