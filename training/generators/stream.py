"""The accelerator path of train.py (--workers > 0): fresh batches made in DataLoader worker processes, so a
GPU is not starved by the Python renderer, and a step count sized to a wall-clock budget (--time-budget).

Each worker draws from its own generator seeded with (seed, worker id), and the loader hands batches out
round-robin, so a run is a fixed function of (seed, workers) up to the GPU's own floating-point order.
"""
import time

import numpy as np
import torch
from torch.utils.data import DataLoader, IterableDataset, get_worker_info


class Batches(IterableDataset):
    """Endless batches from `make(rng)` (a module-level function or functools.partial of one)."""

    def __init__(self, make, seed):
        super().__init__()
        self.make, self.seed = make, seed

    def __iter__(self):
        info = get_worker_info()
        rng = np.random.default_rng([self.seed, info.id if info else 0])
        while True:
            yield self.make(rng)


def loader(make, seed, workers):
    """An endless iterator over `make`'s batches, made in `workers` processes."""
    dl = DataLoader(Batches(make, seed), batch_size=None, num_workers=workers, prefetch_factor=4,
                    persistent_workers=True)
    return iter(dl)


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def calibrate(step, device, budget, started, warm=10, timed=60):
    """Steps that fit in what is left of `budget` seconds (counted from `started`), measured on `timed`
    dry steps (`step()` runs forward and backward without updating) after `warm` untimed ones. `warm` must
    cover the batches the workers prefetched, or the data-bound rate is overestimated (seen: 28 ms/step
    measured, ~45 ms/step after the queue ran dry)."""
    for _ in range(warm):
        step()
    sync(device)
    t0 = time.time()
    for _ in range(timed):
        step()
    sync(device)
    per = (time.time() - t0) / timed
    left = budget - (time.time() - started)
    steps = max(100, int(left / per))
    print(f"calibrated: {per * 1000:.1f} ms/step, {left:.0f}s left -> {steps} steps", flush=True)
    return steps
