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
import sys
from fractions import Fraction as F

from exact import W1, gradient, hidden, scores, x0


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
