"""The digits network and images as exact fractions, read with the standard
library (struct, json, zipfile, ast) without nnkey: every float32 is the exact
dyadic rational it stores (Fraction(float) is exact). Used by q21_keys.py and
q22_keys.py.
"""
import ast, io, json, struct, sys, zipfile
from fractions import Fraction as F
from pathlib import Path

HERE = Path(__file__).resolve().parent


def safetensors(path):
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    data = raw[8 + n :]
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        assert t["dtype"] == "F32", t
        a, b = t["data_offsets"]
        vals = [F(v) for (v,) in struct.iter_unpack("<f", data[a:b])]
        out[name] = (t["shape"], vals)
    return out


def npy(raw):
    assert raw[:6] == b"\x93NUMPY"
    major = raw[6]
    if major == 1:
        (hl,) = struct.unpack("<H", raw[8:10]); start = 10
    else:
        (hl,) = struct.unpack("<I", raw[8:12]); start = 12
    header = ast.literal_eval(raw[start : start + hl].decode("latin1"))
    body = raw[start + hl :]
    code = {"<f4": "f", "<f8": "d"}[header["descr"]]
    assert not header["fortran_order"]
    return header["shape"], [F(v) for (v,) in struct.iter_unpack("<" + code, body)]


def npz(path):
    with zipfile.ZipFile(path) as z:
        return {n[:-4]: npy(z.read(n)) for n in z.namelist()}


w = safetensors(HERE / "mlp.safetensors")
(h1, n_in), W1 = w["fc1.weight"]
_, b1 = w["fc1.bias"]
(n_out, _), W2 = w["fc2.weight"]
_, b2 = w["fc2.bias"]
W1 = [W1[r * n_in : (r + 1) * n_in] for r in range(h1)]
W2 = [W2[r * h1 : (r + 1) * h1] for r in range(n_out)]
x0 = npz(HERE / "images.npz")["digit3"][1]


def hidden(x):
    return [sum((W1[j][i] * x[i] for i in range(n_in)), b1[j]) for j in range(h1)]


def scores(x):
    z = hidden(x)
    a = [max(v, F(0)) for v in z]
    return [sum((W2[k][j] * a[j] for j in range(h1)), b2[k]) for k in range(n_out)]


def gradient(x, c):
    z = hidden(x)
    assert all(v != 0 for v in z), "a hidden unit at its kink"
    return [sum((W2[c][j] * W1[j][i] for j in range(h1) if z[j] > 0), F(0)) for i in range(n_in)]


