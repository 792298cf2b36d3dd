"""Baseline for bench/serve: the same load scored by the test-suite oracle's own code (exec_eval.eval_exec_match:
sqlite3 + result_eq, ../shared/oracles) in a process pool of the given size, driven by N concurrent client threads.
Reads {"requests": [[[gold, pred], ...], ...], "db", "seconds", "clients", "processes"} on stdin; prints JSON
{"requests", "candidates", "seconds", "latencies_ms", "rss_kb": [samples]}.
Run: PYTHONPATH=../shared/oracles /usr/bin/python3 bench/serve/oracle_pool.py < spec.json"""

import json
import os
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import exec_eval

DB = None


def _init(db):
    global DB
    DB = db


def score_chunk(pairs):
    out = []
    for gold, pred in pairs:
        try:
            out.append(exec_eval.eval_exec_match(DB, pred, gold, plug_value=False, keep_distinct=True, progress_bar_for_each_datapoint=False))
        except AssertionError:
            out.append(None)  # the oracle refuses a gold query that fails
    return out


def rss_kb(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def main():
    spec = json.load(sys.stdin)
    reqs = spec["requests"]
    procs = spec["processes"]
    pool = ProcessPoolExecutor(max_workers=procs, initializer=_init, initargs=(spec["db"],))
    # Warm the pool (process start is not part of a training step).
    list(pool.map(score_chunk, [[reqs[0][0]]] * procs))
    deadline = time.time() + spec["seconds"]
    lat, count, lock = [], [0, 0], threading.Lock()
    nxt = [0]
    samples = []

    def client():
        while time.time() < deadline:
            with lock:
                r = reqs[nxt[0] % len(reqs)]
                nxt[0] += 1
            t0 = time.perf_counter()
            # One request's candidates spread over the pool, as a caller would (chunks of 8).
            chunks = [r[i : i + 8] for i in range(0, len(r), 8)]
            list(pool.map(score_chunk, chunks))
            ms = (time.perf_counter() - t0) * 1000
            with lock:
                lat.append(ms)
                count[0] += 1
                count[1] += len(r)

    def sampler():
        while time.time() < deadline:
            pids = [os.getpid()] + [p.pid for p in pool._processes.values()]
            samples.append(rss_kb(pids))
            time.sleep(1)

    t0 = time.time()
    threads = [threading.Thread(target=client) for _ in range(spec["clients"])] + [threading.Thread(target=sampler)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.time() - t0
    pool.shutdown()
    print(json.dumps({"requests": count[0], "candidates": count[1], "seconds": elapsed, "latencies_ms": lat, "rss_kb": samples}))


if __name__ == "__main__":
    main()
