"""Checks the key of q21b (problems/ps3/q21.nnk) without nnkey.

Reads the key's `e` and `delta` from q21.nnk and checks, in exact fractions,
that D3 is a 3, that every entry of D3 + delta is in [0, 1], that the largest
|entry| of delta is e, and that at D3 + delta the score of a 2 equals the
score of a 3 and no class scores more. That no smaller change works is
nnkey's proof (its branch and bound); the interval bound printed last is a
weaker lower bound found here independently.

Run: python3 q21_keys.py
"""
import re
from fractions import Fraction as F

from exact import HERE, W1, W2, b1, b2, h1, scores, x0

text = (HERE.parent / "q21.nnk").read_text()
problem = text[text.index('problem q21b'):]
e = F(re.search(r"^\s*e = (\S+)$", problem, re.M).group(1))
block = re.search(r"delta: (\[\[.*?\]\]),", problem, re.S).group(1)
delta = [e if t == "e" else -e if t == "-e" else F(t) for t in re.findall(r"-?[\w/]+", block)]
assert len(delta) == 64

s0 = scores(x0)
assert max(range(10), key=lambda k: s0[k]) == 3, "D3 is not a 3"
x = [a + d for a, d in zip(x0, delta)]
assert all(0 <= v <= 1 for v in x), "a pixel leaves [0, 1]"
assert max(abs(d) for d in delta) == e, "the largest change is not e"
s = scores(x)
assert s[2] == s[3] == max(s), "classes 2 and 3 do not tie at the top"
print("key of q21b holds: e =", e, "~", float(e))


def interval_gap(r):
    """A lower bound on s3 - s2 over the box |delta| <= r within [0, 1]."""
    lo = [max(v - r, F(0)) for v in x0]
    hi = [min(v + r, F(1)) for v in x0]
    zlo = [sum((w * (lo[i] if w > 0 else hi[i]) for i, w in enumerate(W1[j])), b1[j]) for j in range(h1)]
    zhi = [sum((w * (hi[i] if w > 0 else lo[i]) for i, w in enumerate(W1[j])), b1[j]) for j in range(h1)]
    alo = [max(v, F(0)) for v in zlo]
    ahi = [max(v, F(0)) for v in zhi]
    diff = [a - b for a, b in zip(W2[3], W2[2])]
    return sum((d * (alo[j] if d > 0 else ahi[j]) for j, d in enumerate(diff)), b2[3] - b2[2])


r = F(0)
while interval_gap(r + F(1, 10000)) > 0:
    r += F(1, 10000)
print("interval bounds prove no tie within", float(r))
