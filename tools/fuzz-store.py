#!/usr/bin/env python3
"""Damages copies of a small store and runs the read and repair commands on each: no command may
die by a signal (issue 16, item 7). Usage:

    tools/fuzz-store.py JOURNEY_BINARY ROUNDS [SEED] [WORKDIR]

Each round copies a generated store (300 customers, 3,000 events), changes its data file — one bit
flip, a run of random bytes, a zeroed page, or a truncation — and runs verify, rebuild, stats,
profile --all, export and ingest on it. A command killed by a signal is a finding: its damaged
file is kept under WORKDIR/findings/ with the command, and the script exits 1. A signal raised by
liblmdb's own assertions (its message names mdb.c) is LMDB's, counted apart (README, limits).
"""
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile

COMMANDS = [
    ["verify"],
    ["stats", "--json"],
    ["profile", "--all", "--json"],
    ["export", "--where", "orders >= 0 or phase = visitor", "--format", "jsonl"],
    ["events", "c0000007"],
    ["rebuild", "--json"],
]


def damage(data: bytearray, rng: random.Random) -> str:
    page = 4096
    kind = rng.choice(["bit", "bit", "bit", "bytes", "page", "truncate"])
    if kind == "bit":
        at = rng.randrange(len(data))
        bit = rng.randrange(8)
        data[at] ^= 1 << bit
        return f"bit {bit} of byte {at}"
    if kind == "bytes":
        at = rng.randrange(len(data))
        n = rng.randrange(1, 16)
        for k in range(at, min(len(data), at + n)):
            data[k] = rng.randrange(256)
        return f"{n} random bytes at {at}"
    if kind == "page":
        p = rng.randrange(2, max(3, len(data) // page))
        data[p * page:(p + 1) * page] = bytes(page)
        return f"page {p} zeroed"
    cut = rng.randrange(2 * page, len(data))
    del data[cut:]
    return f"truncated to {cut} bytes"


def in_lmdb(journey, store, command, data) -> bool:
    """Whether the signal is raised inside liblmdb (gdb's innermost frames), which walks a damaged
    page on its own: LMDB's limit, not journey's."""
    if shutil.which("gdb") is None:
        return False
    with open(os.path.join(store, "data.mdb"), "wb") as f:
        f.write(data)
    p = subprocess.run(["gdb", "-batch", "-ex", "run", "-ex", "bt 3", "--args", journey, "--store", store] + command,
                       capture_output=True, timeout=120)
    frames = [l for l in p.stdout.decode("utf-8", "replace").splitlines() if l.startswith("#")]
    return bool(frames) and ("liblmdb" in frames[0] or "mdb_" in frames[0])


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    journey = os.path.abspath(sys.argv[1])
    rounds = int(sys.argv[2])
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    work = sys.argv[4] if len(sys.argv) > 4 else tempfile.mkdtemp(prefix="journey-fuzz-store-")
    os.makedirs(work, exist_ok=True)
    events = os.path.join(work, "events.jsonl")
    base = os.path.join(work, "base.store")
    if not os.path.exists(base):
        subprocess.run([journey, "generate", "--customers", "300", "--events", "3000", "--seed", "3", "--out", events],
                       check=True, capture_output=True)
        subprocess.run([journey, "--store", base, "ingest", events], check=True, capture_output=True)
    original = open(os.path.join(base, "data.mdb"), "rb").read()
    findings, lmdb_aborts, refused, runs = 0, 0, 0, 0
    lmdb_by_command = {}
    for r in range(rounds):
        data = bytearray(original)
        what = damage(data, rng)
        store = os.path.join(work, "round.store")
        shutil.rmtree(store, ignore_errors=True)
        os.makedirs(store)
        with open(os.path.join(store, "data.mdb"), "wb") as f:
            f.write(data)
        for command in COMMANDS:
            runs += 1
            try:
                p = subprocess.run([journey, "--store", store] + command, capture_output=True, timeout=60)
            except subprocess.TimeoutExpired:
                print(f"round {r}: {what}: {' '.join(command)} timed out", file=sys.stderr)
                findings += 1
                continue
            if p.returncode < 0:
                err = p.stderr.decode("utf-8", "replace")
                name = signal.Signals(-p.returncode).name
                if "mdb.c" in err or in_lmdb(journey, store, command, data):
                    lmdb_aborts += 1
                    lmdb_by_command[command[0]] = lmdb_by_command.get(command[0], 0) + 1
                    continue
                findings += 1
                keep = os.path.join(work, "findings", f"round{r}-{command[0]}-{name}")
                os.makedirs(keep, exist_ok=True)
                with open(os.path.join(keep, "data.mdb"), "wb") as f:
                    f.write(data)
                with open(os.path.join(keep, "what.txt"), "w") as f:
                    f.write(f"{what}\n{' '.join(command)}\n{err[-4000:]}\n")
                print(f"round {r}: {what}: {' '.join(command)} died by {name}; kept in {keep}", file=sys.stderr)
            elif p.returncode != 0:
                refused += 1
            # A repair may have changed the copy: start the next command from the damaged file again.
            if command[0] == "rebuild":
                with open(os.path.join(store, "data.mdb"), "wb") as f:
                    f.write(data)
    print(f"fuzz-store: {rounds} damaged stores, {runs} command runs: {findings} killed by a signal in journey, "
          f"{lmdb_aborts} inside liblmdb {lmdb_by_command}, {refused} refused with an error")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
