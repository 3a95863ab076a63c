"""Sets a torch module's parameters from ONNX files it was exported to (training/from_onnx.py for the LM,
training/generators/from_onnx.py for the generators): how training continues from a committed pack when the
checkpoints are gone."""
import numpy as np
import onnx
import torch
from onnx import numpy_helper


def initializers(path):
    return {i.name: numpy_helper.to_array(i) for i in onnx.load(path).graph.initializer}


def key(a):
    return np.ascontiguousarray(a, dtype=np.float32).tobytes()


class Mismatch(ValueError):
    """The pack was not exported from a model of this shape by this code."""


def load_exported(module, export, shipped):
    """Sets `module`'s parameters from ONNX files it was exported to.

    `export(module)` writes the module's ONNX files with the code that made them and returns
    {file: {initializer: array}}; `shipped` maps each file to its path. Raises Mismatch unless every
    parameter is found and re-exporting gives the shipped initializers bit for bit."""
    g = torch.Generator().manual_seed(0)
    params = dict(module.named_parameters())
    index = {}  # value bytes -> (parameter, transposed)
    with torch.no_grad():
        for n, p in params.items():
            p.copy_(torch.randn(p.shape, generator=g))
            index[key(p.numpy())] = (n, False)
            if p.dim() == 2:
                index[key(p.numpy().T)] = (n, True)
    twins = export(module)
    found = {}
    for f, path in shipped.items():
        ship = initializers(path)
        for name, fresh in twins[f].items():
            if name not in ship or ship[name].shape != fresh.shape:
                raise Mismatch(f"{f}: initializer {name} differs in name or shape")
            hit = index.get(key(fresh)) if fresh.dtype == np.float32 else None
            if hit is None:  # a constant of the graph, not a parameter: must be the same in both
                if not np.array_equal(fresh, ship[name]):
                    raise Mismatch(f"{f}: {name} is neither a parameter nor the same constant")
                continue
            n, transposed = hit
            val = ship[name].reshape(params[n].shape[::-1]).T if transposed else ship[name].reshape(params[n].shape)
            if n in found and not np.array_equal(found[n], val):
                raise Mismatch(f"{n} appears twice with different values")
            found[n] = np.array(val, dtype=np.float32, copy=True)
    missing = sorted(set(params) - set(found))
    if missing:
        raise Mismatch(f"parameters not in the pack: {missing}")
    with torch.no_grad():
        for n, v in found.items():
            params[n].copy_(torch.from_numpy(v))
    again = export(module)
    for f, path in shipped.items():
        ship = initializers(path)
        bad = [n for n, v in again[f].items() if not np.array_equal(v, ship[n])]
        if bad:
            raise Mismatch(f"{f}: re-export differs in {bad[:5]}")
