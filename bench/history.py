"""History benchmarks (Python standard library only; everything on 127.0.0.1 and in a temp dir).

  1. what recording costs: a non-streamed chat round trip against the loopback fake server with
     history on and with --no-history, alternating, median and range of the wall times;
  2. `--version` start-up, with history configured (it must not open the file);
  3. a history of 100,000 exchanges (10,000 conversations of 10 turns, ~150 words each): the
     schema is made by tokenfactory itself, then filled through sqlite3; then `history` (the 20
     latest) and `history search` for a common and a rare word, median of 20 runs each.
"""

import argparse
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from bench import FakeServer, KEY  # noqa: E402


def timed(argv, env, runs):
    walls = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        walls.append((time.perf_counter() - start) * 1000)
        if done.returncode != 0:
            raise SystemExit("%s failed: %s" % (" ".join(argv), done.stderr.decode()))
    return walls


def describe(walls):
    return "median %.2f ms (range %.2f-%.2f)" % (statistics.median(walls), min(walls), max(walls))


def fill(db, conversations, turns, seed=7):
    rng = random.Random(seed)
    syllables = ["ka", "lo", "mi", "ne", "ra", "to", "vu", "si", "de", "po", "gra", "ten", "qui", "zor", "bel"]
    words = sorted({"".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(4000)})
    common = words[:40]  # Zipf-like: a few words everywhere, most rare

    def text(n):
        return " ".join(rng.choice(common) if rng.random() < 0.3 else rng.choice(words) for _ in range(n))

    con = sqlite3.connect(db)
    now = int(time.time() * 1000)
    with con:
        for c in range(conversations):
            cid = "%016x" % rng.getrandbits(64)
            started = now - (conversations - c) * 60_000
            title = text(8)
            con.execute(
                "INSERT INTO conversations (id, started_at, updated_at, title, model, system, turns) VALUES (?,?,?,?,?,?,?)",
                (cid, started, started + turns * 1000, title, "Omniva/Kimi-K2.6", None, turns),
            )
            rows = []
            for t in range(1, turns + 1):
                prompt = title if t == 1 else text(25)
                rows.append((cid, t, started + t * 1000, "127.0.0.1", "Omniva/Kimi-K2.6", "Omniva/Kimi-K2.6", None,
                             prompt, text(120), None, "stop", 30, 160, None, 900, None, None, "complete", None, None))
            con.executemany(
                "INSERT INTO exchanges (conversation_id, turn, at, host, model_asked, model_answered, system, prompt,"
                " answer, reasoning, finish_reason, prompt_tokens, completion_tokens, reasoning_tokens, duration_ms,"
                " first_token_ms, request_id, status, failure, error) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                rows,
            )
    con.close()
    return common[0], words[-1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default="target/release/tokenfactory")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--exchanges", type=int, default=100_000)
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)
    server = FakeServer()
    base = "http://127.0.0.1:%d/v1" % server.port
    home = tempfile.mkdtemp(prefix="tokenfactory-bench-")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "OMNIVA_API_KEY": KEY, "HOME": home}

    print("history benchmarks, %d runs each; machine: %s, %d cores" % (args.runs, os.uname().machine, os.cpu_count()))
    chat = [binary, "--base-url", base, "chat", "hi"]
    on, off = [], []
    for _ in range(args.runs):
        on += timed(chat, env, 1)
        off += timed(chat[:-1] + ["--no-history", "hi"], env, 1)
    print("\n1. non-streamed chat round trip")
    print("   history on:   " + describe(on))
    print("   --no-history: " + describe(off))
    print("   recording adds %.2f ms at the median (target <= 2 ms)" % (statistics.median(on) - statistics.median(off)))

    print("\n2. --version with history configured: " + describe(timed([binary, "--version"], env, args.runs)))

    db = os.path.join(home, ".local/share/tokenfactory/history.db")
    turns = 10
    start = time.perf_counter()
    common, rare = fill(db, args.exchanges // turns, turns)
    size = os.path.getsize(db) / 1e6
    print("\n3. %d exchanges (filled in %.0f s, %.0f MB)" % (args.exchanges, time.perf_counter() - start, size))
    runs = 20
    print("   history (20 latest):            " + describe(timed([binary, "history"], env, runs)) + " (target < 50 ms)")
    print("   history search %-14s   " % repr(common) + describe(timed([binary, "history", "search", common], env, runs)) + " (target < 100 ms)")
    print("   history search %-14s   " % repr(rare) + describe(timed([binary, "history", "search", rare], env, runs)) + " (target < 100 ms)")
    print("   history show (latest):          " + describe(timed([binary, "history", "show"], env, runs)))


if __name__ == "__main__":
    main()
