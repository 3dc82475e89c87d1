import os, sys; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pb import *
import random
random.seed(7)
# 1. features: 3 sample types, default = first; inlining; recursion; labels; duplicate func names in different files
p = P()
p.sample_type("samples", "count"); p.sample_type("cpu", "nanoseconds"); p.sample_type("wall", "nanoseconds")
p.mapping(1, "/usr/bin/app"); p.mapping(2, "/usr/lib/libc.so.6", 0x7f0000000000, 0x7f0000100000)
main = p.loc(["main.main"]); run = p.loc(["main.run"])
# inlined: location with 3 lines: leaf first
inl = p.loc(["strconv.Itoa", "main.format", "main.handle"])
a = p.loc(["main.a"]); b = p.loc(["main.b"])
dup1 = p.loc(["util.Helper"], file="a/util.go"); dup2 = p.loc(["util.Helper"], file="b/util.go")
libc = p.loc([], mapping=2, addr=0x7f0000001234)
memcpy = p.loc(["memcpy"], mapping=2)
stacks = [
  [inl, run, main],
  [a, b, a, b, a, run, main],
  [b, a, run, main],
  [dup1, run, main], [dup2, a, run, main],
  [libc, memcpy, run, main],
  [memcpy, inl, run, main],
  [main],
]
eps = ["/orders", "/cart", None]
for i in range(400):
    st = random.choice(stacks)
    n = random.randint(1, 3)
    labels = []
    e = random.choice(eps)
    if e: labels.append(("endpoint", e))
    labels.append(("bytes", random.choice([512, 1024, 2048]), "bytes"))
    if random.random() < .3: labels.append(("region", random.choice(["eu", "us"])))
    p.sample(st, [n, n * 10000000, n * 7000000 + i], labels)
p.write("features.pb.gz", extra=fv(14, p.s("samples")))
