"""Keys of problems/ps3/q22.nnk on the digits network, computed without nnkey.

Reads digits/mlp.safetensors and digits/images.npz with the standard library
(struct, json, zipfile, ast), every float32 as the exact dyadic rational it
stores (Fraction(float) is exact), and computes with fractions:

- the gradient of score 3 at digit3 (W2[3] diag(active) W1, no hidden unit at
  its kink) and its saliency map |gradient|;
- the class visualization of class 3 with l2 weight LAMBDA within [0, 1]:
  x <- clamp(grad s(x) / (2 LAMBDA), 0, 1) repeated from digit3 until it
  stops moving, then the fixed point's score and objective.

Run: python3 q22_keys.py [LAMBDA [LO HI]]   (q22c uses 4 0 1)
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


def show(name, v):
    print(f"{name} = [", end="")
    rows = [", ".join(str(e) for e in v[r * 8 : (r + 1) * 8]) for r in range(8)]
    print(",\n  ".join("[" + r + "]" for r in rows) + "]")


c = 3
g = gradient(x0, c)
s0 = scores(x0)
print("scores at digit3:", [float(s) for s in s0], "class", max(range(10), key=lambda k: s0[k]))
print("smallest |pre-activation| at digit3:", float(min(abs(v) for v in hidden(x0))))
show("saliency", [abs(e) for e in g])
m = max(abs(e) for e in g)
print("largest saliency at", [(i // 8, i % 8) for i in range(64) if abs(g[i]) == m], float(m))

lam = F(sys.argv[1]) if len(sys.argv) > 1 else F(1, 64)
LO, HI = (F(sys.argv[2]), F(sys.argv[3])) if len(sys.argv) > 3 else (F(0), F(1))
x = x0
for it in range(1, 65):
    gx = gradient(x, c)
    nxt = [min(max(e / (2 * lam), LO), HI) for e in gx]
    print(f"jump {it}: {sum(1 for a, b in zip(x, nxt) if a != b)} values change,",
          "min |pre-activation| there", float(min(abs(v) for v in hidden(nxt))))
    if nxt == x:
        break
    x = nxt
else:
    raise SystemExit("no fixed point in 64 jumps")
# The fixed point: x = clamp(grad s(x) / (2 lam)) with x off every kink.
gx = gradient(x, c)
assert x == [min(max(e / (2 * lam), LO), HI) for e in gx]
show("visualization", x)
sx = scores(x)[c]
print("score =", sx)
print("objective =", sx - lam * sum(e * e for e in x))
print("interior entries:", [(i // 8, i % 8, float(2 * lam * x[i])) for i in range(64) if 0 < x[i] < 1])
print("class at x:", max(range(10), key=lambda k: scores(x)[k]))
