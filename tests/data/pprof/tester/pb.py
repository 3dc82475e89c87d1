# minimal protobuf wire writer for pprof profile.proto (test tool)
import gzip, struct
def varint(n):
    if n < 0: n += 1 << 64
    out = bytearray()
    while True:
        b = n & 0x7f; n >>= 7
        if n: out.append(b | 0x80)
        else: out.append(b); return bytes(out)
def key(f, wt): return varint((f << 3) | wt)
def fv(f, n): return key(f, 0) + varint(n)
def fb(f, b): return key(f, 2) + varint(len(b)) + b
def packed(f, ns): return fb(f, b"".join(varint(n) for n in ns)) if ns else b""
class P:
    def __init__(s):
        s.strings = [""]; s.sidx = {"": 0}
        s.out = []; s.funcs = {}; s.locs = {}; s.nf = 0; s.nl = 0
    def s(s, t):
        if t not in s.sidx: s.sidx[t] = len(s.strings); s.strings.append(t)
        return s.sidx[t]
    def sample_type(s, t, u): s.out.append(fb(1, fv(1, s.s(t)) + fv(2, s.s(u))))
    def mapping(s, id, fn, start=0x400000, limit=0x800000, has_functions=1):
        s.out.append(fb(3, fv(1, id) + fv(2, start) + fv(3, limit) + fv(5, s.s(fn)) + fv(7, has_functions)))
    def func(s, name, file="main.go", sysname=None):
        k = (name, file)
        if k not in s.funcs:
            s.nf += 1; s.funcs[k] = s.nf
            s.out.append(fb(5, fv(1, s.nf) + fv(2, s.s(name)) + fv(3, s.s(sysname or name)) + fv(4, s.s(file))))
        return s.funcs[k]
    def loc(s, names, mapping=1, addr=None, file="main.go"):
        # names: leaf first (inlined callee first), as the proto says
        k = (tuple(names), mapping, addr)
        if k not in s.locs:
            s.nl += 1; s.locs[k] = s.nl
            body = fv(1, s.nl) + (fv(2, mapping) if mapping else b"") + fv(3, addr if addr is not None else 0x1000 + s.nl * 16)
            for i, n in enumerate(names):
                body += fb(4, fv(1, s.func(n, file)) + fv(2, 10 + i))
            s.out.append(fb(4, body))
        return s.locs[k]
    def sample(s, locids, values, labels=()):
        body = packed(1, locids) + packed(2, values)
        for l in labels:
            k, v = l[0], l[1]
            if isinstance(v, str): lb = fv(1, s.s(k)) + fv(2, s.s(v))
            else:
                lb = fv(1, s.s(k)) + fv(3, v)
                if len(l) > 2: lb += fv(4, s.s(l[2]))
            body += fb(3, lb)
        s.out.append(fb(2, body))
    def raw(s, b): s.out.append(b)
    def bytes(s, period_type=("cpu", "nanoseconds"), period=10000000, time=1700000000000000000, duration=1000000000, extra=b""):
        b = b"".join(s.out)
        pt = fb(11, fv(1, s.s(period_type[0])) + fv(2, s.s(period_type[1])))
        b += fv(9, time) + fv(10, duration) + pt + fv(12, period)
        b += extra
        for t in s.strings: b += fb(6, t.encode() if isinstance(t, str) else t)
        return b
    def write(s, path, gz=True, **kw):
        b = s.bytes(**kw)
        open(path, "wb").write(gzip.compress(b) if gz else b)
        return b
