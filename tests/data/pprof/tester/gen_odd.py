# odd-samples.pb.gz: a sample with no locations (weight 9), a zero-valued
# sample, a numeric label 0, an empty label key and an empty label value.
# Extracted from the tester's gen_more.py; run: python3 gen_odd.py
import os, sys; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pb import *
def base(types=(("cpu","nanoseconds"),)):
    p = P()
    for t,u in types: p.sample_type(t,u)
    p.mapping(1, "/usr/bin/app")
    return p
p = base((("samples","count"),))
m = p.loc(["main.main"])
p.sample([], [9], [("k", "v")]); p.sample([m], [0]); p.sample([m], [4], [("n", 0)]); p.sample([m], [3], [("", "emptykey")]); p.sample([m],[2],[("k","")])
p.write("odd-samples.pb.gz")
