"""A small CPU-bound Python workload for py-spy: `python3 invoices.py SECONDS`.

The main thread parses invoice lines (str.split, int()), prices them
(a tax table and a recursive discount ladder) and renders a report with
json.dumps; a "ledger" thread sorts and totals the priced invoices it is
handed through a queue; an "auditor" thread sleeps most of the time and
now and then hashes the last report (hashlib), so idle and busy threads
both show. Deterministic work (no random), stops after SECONDS.
"""
import hashlib
import json
import queue
import sys
import threading
import time

TAX = {"food": 7, "books": 5, "tools": 19, "toys": 19, "wine": 21}


def make_lines(n):
    kinds = sorted(TAX)
    return [f"{i};{kinds[i % len(kinds)]};{(i * 37) % 500 + 1};{i % 7 + 1}" for i in range(n)]


def parse(line):
    num, kind, cents, qty = line.split(";")
    return int(num), kind, int(cents), int(qty)


def discount(qty, level=0):
    # A recursive ladder: each level takes 1% more for every further unit.
    if qty <= 1 or level > 5:
        return 0
    return 1 + discount(qty - 1, level + 1)


def price(item):
    num, kind, cents, qty = item
    gross = cents * qty
    net = gross * (100 - discount(qty)) // 100
    return {"num": num, "kind": kind, "net": net, "tax": net * TAX[kind] // 100}


def render(priced):
    return json.dumps({"lines": priced, "count": len(priced)}, sort_keys=True)


def ledger(inbox, totals):
    while True:
        batch = inbox.get()
        if batch is None:
            return
        ordered = sorted(batch, key=lambda p: (p["kind"], -p["net"], p["num"]))
        for p in ordered:
            totals[p["kind"]] = totals.get(p["kind"], 0) + p["net"] + p["tax"]


def auditor(stop, last):
    while not stop.wait(0.05):
        text = last.get("report", "")
        for _ in range(20):
            text = hashlib.sha256(text.encode()).hexdigest()
        last["digest"] = text


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    lines = make_lines(3000)
    inbox, totals, last = queue.Queue(maxsize=4), {}, {}
    stop = threading.Event()
    workers = [
        threading.Thread(target=ledger, args=(inbox, totals), name="ledger"),
        threading.Thread(target=auditor, args=(stop, last), name="auditor"),
    ]
    for w in workers:
        w.start()
    end = time.monotonic() + seconds
    rounds = 0
    while time.monotonic() < end:
        priced = [price(parse(line)) for line in lines]
        last["report"] = render(priced)
        inbox.put(priced)
        rounds += 1
    inbox.put(None)
    stop.set()
    for w in workers:
        w.join()
    print(rounds, sum(totals.values()))


if __name__ == "__main__":
    main()
