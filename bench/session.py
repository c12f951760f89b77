"""The interactive session (`tokenfactory chat` on a terminal) on a loopback fake server.

Measures, each on a pseudo-terminal of its own:
  1. prompt ready: from starting `tokenfactory chat` to its `> ` on the terminal (median, p90, max),
     next to `tokenfactory --version` on the same terminal: nothing may reach the network first;
  2. token latency: 200 chunks sent 5 ms apart, each stamped with its send time; arrival on the
     terminal minus send, for turns of the session and for `chat --stream` (p50 / p99 / max);
  3. memory over 200 turns: VmRSS and VmHWM (/proc) after turns 10, 50, 100 and 200, next to the
     size of the conversation the session holds (prompts and answers).
Uses bench.py's fake server; everything talks to 127.0.0.1 only.
"""

import argparse
import os
import pty
import select
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import KEY, TOKEN, FakeServer, percentile  # noqa: E402


class Terminal:
    """A program on a new pseudo-terminal: stdin, stdout and stderr all on it."""

    def __init__(self, argv, home):
        self.master, slave = pty.openpty()
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "OMNIVA_API_KEY": KEY, "HOME": home}
        self.started = time.monotonic()
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                                     start_new_session=True)
        os.close(slave)
        self.screen = b""
        self.seen = 0

    def read_until(self, pattern, timeout=30, on_data=None):
        """Reads until `pattern` (bytes) appears after what earlier calls found; returns the time."""
        deadline = time.monotonic() + timeout
        while pattern not in self.screen[self.seen:]:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.master], [], [], max(0, left))
            if not ready:
                raise SystemExit("timed out waiting for %r; screen ends %r" % (pattern, self.screen[-300:]))
            try:
                data = os.read(self.master, 65536)
            except OSError:
                data = b""
            now = time.monotonic()
            if not data:
                raise SystemExit("the program ended; screen ends %r" % self.screen[-300:])
            if on_data:
                on_data(data, now)
            self.screen += data
        self.seen += self.screen[self.seen:].index(pattern) + len(pattern)
        return time.monotonic()

    def send(self, keys):
        os.write(self.master, keys)

    def status(self, field):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024.0
        return float("nan")

    def close(self):
        self.send(b"\x04")
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        os.close(self.master)


def prompt_ready(binary, base, home, runs):
    ready, version = [], []
    for _ in range(runs):
        term = Terminal([binary, "--base-url", base, "chat"], home)
        ready.append((term.read_until(b"> ") - term.started) * 1000)
        term.close()
        term = Terminal([binary, "--version"], home)
        version.append((term.read_until(b"tokenfactory ") - term.started) * 1000)
        term.proc.wait()
        os.close(term.master)
    return ready, version


def tokens_arrival(server, count):
    """A reader of terminal output that stamps each token's first arrival."""
    arrived = {}
    pending = [b""]

    def on_data(data, now):
        pending[0] += data
        for m in TOKEN.finditer(pending[0]):
            arrived.setdefault(int(m.group(1)), now)
        pending[0] = pending[0][-16:]

    def latencies():
        return [(arrived[i] - server.sent[i]) * 1000 for i in range(count) if i in arrived and i in server.sent]

    return on_data, latencies


def session_latency(server, binary, base, home, turns, count):
    lat = []
    term = Terminal([binary, "--base-url", base, "chat", "--no-history"], home)
    term.read_until(b"> ")
    for turn in range(turns):
        server.sent = {}
        on_data, latencies = tokens_arrival(server, count)
        term.send(b"turn %d\r" % turn)
        term.read_until(b"<%d>" % (count - 1), on_data=on_data)
        term.read_until(b"> ")
        lat += latencies()
    term.close()
    return lat


def stream_latency(server, binary, base, home, runs, count):
    lat = []
    for _ in range(runs):
        server.sent = {}
        on_data, latencies = tokens_arrival(server, count)
        term = Terminal([binary, "--base-url", base, "chat", "--no-history", "--stream", "hi"], home)
        term.read_until(b"<%d>" % (count - 1), on_data=on_data)
        term.proc.wait()
        os.close(term.master)
        lat += latencies()
    return lat


def memory(server, binary, base, home, turns, count, history):
    term = Terminal([binary, "--base-url", base, "chat"] + ([] if history else ["--no-history"]), home)
    term.read_until(b"> ")
    rows, held = [], 0
    for turn in range(1, turns + 1):
        prompt = b"turn %d: tell me more" % turn
        term.send(prompt + b"\r")
        term.read_until(b"<%d>" % (count - 1))
        term.read_until(b"> ")
        held += len(prompt) + sum(len(b"<%d> " % i) for i in range(count))
        if turn in (10, 50, 100, 200) or turn == turns:
            rows.append((turn, term.status("VmRSS"), term.status("VmHWM"), held / 1024.0))
    term.close()
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default="target/release/tokenfactory")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--turns", type=int, default=200)
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)
    server = FakeServer()
    base = "http://127.0.0.1:%d/v1" % server.port
    home = tempfile.mkdtemp(prefix="tokenfactory-session-bench-")
    print("the interactive session on a pseudo-terminal, loopback fake server")

    server.mode = ("sse", 1, 0.0)
    ready, version = prompt_ready(binary, base, home, args.runs)
    print("\n1. prompt ready (start to `> ` on the terminal), %d runs: median %.1f ms, p90 %.1f ms, max %.1f ms"
          % (args.runs, statistics.median(ready), percentile(ready, 90), max(ready)))
    print("   `--version` on the same terminal: median %.1f ms (target: prompt within 30 ms)"
          % statistics.median(version))

    count = 200
    server.mode = ("sse", count, 0.005)
    session = session_latency(server, binary, base, home, 5, count)
    stream = stream_latency(server, binary, base, home, 5, count)
    print("\n2. token latency on a terminal, %d chunks 5 ms apart, 5 turns / 5 runs (arrival minus send), ms:" % count)
    for name, lat in (("session      ", session), ("chat --stream", stream)):
        print("   %s  p50 %.3f  p99 %.3f  max %.3f  (%d tokens)"
              % (name, percentile(lat, 50), percentile(lat, 99), max(lat), len(lat)))
    print("   p99 difference: %+.3f ms (target: within 0.1 ms)" % (percentile(session, 99) - percentile(stream, 99)))

    server.mode = ("sse", count, 0.0)
    print("\n3. memory over %d turns (answers of %d chunks):" % (args.turns, count))
    for history in (True, False):
        print("   history %s:" % ("on (SQLite's page cache grows with the file, to its 2 MB bound)" if history else "off"))
        for turn, rss, hwm, held in memory(server, binary, base, home, args.turns, count, history):
            print("     after turn %3d: RSS %.1f MB, peak %.1f MB; the conversation holds %.0f KB"
                  % (turn, rss, hwm, held))


if __name__ == "__main__":
    main()
