"""tokenfactory vs curl on a loopback fake OpenAI-compatible server (Python standard library only).

Measures, alternating the two clients run by run:
  1. startup: `tokenfactory --version` vs `curl --version` (median wall)
  2. one non-streamed chat round trip: median wall, median user+sys CPU, peak RSS
  3. per-token delivery latency of a 200-chunk stream sent 5 ms apart, each chunk stamped with its
     send time; the reader timestamps each token's arrival on the client's stdout, once through a
     pipe and once through a pseudo-terminal: p50 / p99 / max of arrival minus send
  4. a 20,000-chunk stream sent as fast as possible: wall, user+sys CPU, peak RSS, tokens complete
Everything talks to 127.0.0.1 only.
"""

import argparse
import json
import os
import pty
import re
import resource
import select
import socket
import statistics
import subprocess
import threading
import time

KEY = "sk-benchmark000000000000000000000"
TOKEN = re.compile(rb"<(\d+)>")


class FakeServer:
    """Answers POST /v1/chat/completions; the mode is chosen per run through `self.mode`."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.mode = ("json", 0, 0.0)
        self.sent = {}  # token index -> monotonic send time
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            conn, _ = self.sock.accept()
            threading.Thread(target=self.handle, args=(conn,), daemon=True).start()

    def handle(self, conn):
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                conn.close()
                return
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        while len(body) < length:
            body += conn.recv(65536)
        kind, count, gap = self.mode
        if kind == "json":
            payload = json.dumps({
                "id": "bench", "object": "chat.completion", "model": "Omniva/Kimi-K2.6",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello from the fake server."},
                             "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 5, "completion_tokens": 6, "total_tokens": 11},
            }).encode()
            conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
                         b"connection: close\r\n\r\n%s" % (len(payload), payload))
        else:
            conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
                         b"transfer-encoding: chunked\r\nconnection: close\r\n\r\n")
            if gap:
                for i in range(count):
                    time.sleep(gap)
                    self.sent[i] = time.monotonic()
                    conn.sendall(frame_of(i))
            else:
                # As fast as possible: every event its own chunked frame, all written at once, so
                # the client's decoding is measured rather than this server's Python loop.
                conn.sendall(b"".join(frame_of(i) for i in range(count)))
            done = b"data: [DONE]\n\n"
            conn.sendall(b"%x\r\n%s\r\n0\r\n\r\n" % (len(done), done))
        conn.close()


def frame_of(i):
    event = b'data: {"choices":[{"index":0,"delta":{"content":"<%d> "}}]}\n\n' % i
    return b"%x\r\n%s\r\n" % (len(event), event)


def env():
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "OMNIVA_API_KEY": KEY}


def commands(binary, base, stream):
    url = base + "/chat/completions"
    body = json.dumps({"model": "Omniva/Kimi-K2.6", "messages": [{"role": "user", "content": "hi"}],
                       **({"stream": True} if stream else {})})
    tf = [binary, "--base-url", base, "chat"] + (["--stream"] if stream else []) + ["hi"]
    curl = ["curl", "-sS"] + (["-N"] if stream else []) + ["-H", "Authorization: Bearer " + KEY,
                                                             "-H", "Content-Type: application/json", "-d", body, url]
    return {"tokenfactory": tf, "curl": curl}


def run_measured(argv, stdout=subprocess.DEVNULL):
    """Runs argv to completion; returns (wall s, user+sys CPU s, peak RSS MB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=stdout, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=env())
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("%s failed with %s" % (argv[0], status))
    return wall, usage.ru_utime + usage.ru_stime, peak_rss_mb(argv)


def peak_rss_mb(argv):
    """Peak RSS of argv alone, through GNU time. (A child of this Python process inherits Python's
    own high-water mark across exec, so wait4's ru_maxrss would report ~14 MB even for /bin/true.)"""
    if not os.path.exists("/usr/bin/time"):
        return float("nan")
    out = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", "/dev/stderr"] + argv, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env())
    try:
        return int(out.stderr.strip().splitlines()[-1]) / 1024.0
    except (ValueError, IndexError):
        return float("nan")


def alternate(named, runs):
    results = {name: [] for name in named}
    for _ in range(runs):
        for name, argv in named.items():
            results[name].append(run_measured(argv))
    return results


def median(values):
    return statistics.median(values)


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100.0 * (len(ordered) - 1))))]


def delivery(server, argv, count, use_pty):
    """Runs a streamed request and returns each token's arrival minus its send time, in ms."""
    server.sent = {}
    if use_pty:
        master, slave = pty.openpty()
        proc = subprocess.Popen(argv, stdout=slave, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=env())
        os.close(slave)
        fd = master
    else:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=env())
        fd = proc.stdout.fileno()
    arrived = {}
    pending = b""
    while True:
        ready, _, _ = select.select([fd], [], [], 30)
        if not ready:
            break
        try:
            data = os.read(fd, 65536)
        except OSError:
            data = b""
        now = time.monotonic()
        if not data:
            break
        pending += data
        for m in TOKEN.finditer(pending):
            arrived.setdefault(int(m.group(1)), now)
        pending = pending[-16:]
    proc.wait()
    if use_pty:
        os.close(master)
    lat = [(arrived[i] - server.sent[i]) * 1000.0 for i in range(count) if i in arrived and i in server.sent]
    return lat, len(arrived)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default="target/release/tokenfactory")
    parser.add_argument("--quick", action="store_true", help="fewer runs")
    parser.add_argument("--only", choices=["startup", "trip", "latency", "stream"], action="append",
                        help="run only these sections (repeatable)")
    args = parser.parse_args()
    runs = 10 if args.quick else 40
    wanted = set(args.only or ["startup", "trip", "latency", "stream"])
    server = FakeServer()
    base = "http://127.0.0.1:%d/v1" % server.port
    binary = os.path.abspath(args.binary)
    print("tokenfactory vs curl, loopback fake server, %d alternating runs each" % runs)
    print("machine: %s, %d cores; %s" % (os.uname().machine, os.cpu_count(),
          subprocess.run(["curl", "--version"], capture_output=True, text=True).stdout.split("\n")[0]))

    if "startup" in wanted:
        startup_section(binary, runs)
    if "trip" in wanted:
        trip_section(server, binary, base, runs)
    if "latency" in wanted:
        latency_section(server, binary, base)
    if "stream" in wanted:
        stream_section(server, binary, base, runs)


def startup_section(binary, runs):
    startup = alternate({"tokenfactory": [binary, "--version"], "curl": ["curl", "--version"]}, runs * 2)
    tf, cu = median([r[0] for r in startup["tokenfactory"]]), median([r[0] for r in startup["curl"]])
    print("\n1. startup (--version), median wall: tokenfactory %.2f ms, curl %.2f ms, ratio %.2f (target <= 0.5)"
          % (tf * 1000, cu * 1000, tf / cu))



def trip_section(server, binary, base, runs):
    server.mode = ("json", 0, 0.0)
    trip = alternate(commands(binary, base, stream=False), runs)
    print("\n2. non-streamed chat round trip (median of %d):" % runs)
    for name in ("tokenfactory", "curl"):
        r = trip[name]
        print("   %-12s wall %.2f ms   cpu %.2f ms   peak RSS %.1f MB" % (
            name, median([x[0] for x in r]) * 1000, median([x[1] for x in r]) * 1000, max(x[2] for x in r)))
    ratio = median([x[0] for x in trip["tokenfactory"]]) / median([x[0] for x in trip["curl"]])
    print("   wall ratio tokenfactory/curl: %.2f (target <= 1.0); peak RSS target <= 15 MB" % ratio)



def latency_section(server, binary, base):
    print("\n3. per-token delivery latency, 200 chunks 5 ms apart (arrival on stdout minus send), ms:")
    server.mode = ("sse", 200, 0.005)
    for use_pty in (False, True):
        for name, argv in commands(binary, base, stream=True).items():
            lat, got = delivery(server, argv, 200, use_pty)
            print("   %-12s %-5s p50 %.3f  p99 %.3f  max %.3f  (%d/200 tokens)" % (
                name, "pty" if use_pty else "pipe", percentile(lat, 50), percentile(lat, 99), max(lat), got))
    print("   target: p99 <= 1 ms on a pipe and on a terminal")



def stream_section(server, binary, base, runs):
    rounds = max(10, runs // 4)
    print("\n4. 20,000-chunk stream as fast as possible (median and range of %d alternating runs):" % rounds)
    server.mode = ("sse", 20000, 0.0)
    big = {}
    for name, argv in commands(binary, base, stream=True).items():
        big[name] = []
    for _ in range(rounds):
        for name, argv in commands(binary, base, stream=True).items():
            out = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=env())
            start = time.perf_counter()
            data = out.stdout.read()
            _, status, usage = os.wait4(out.pid, 0)
            wall = time.perf_counter() - start
            tokens = len(set(int(m.group(1)) for m in TOKEN.finditer(data)))
            big[name].append((wall, usage.ru_utime + usage.ru_stime, peak_rss_mb(argv), tokens))
    for name, r in big.items():
        cpu = [x[1] * 1000 for x in r]
        print("   %-12s wall %.1f ms   cpu %.1f ms (range %.1f-%.1f)   peak RSS %.1f MB   tokens %d/20000" % (
            name, median([x[0] for x in r]) * 1000, median(cpu), min(cpu), max(cpu), max(x[2] for x in r),
            min(x[3] for x in r)))
    cpu_ratio = median([x[1] for x in big["tokenfactory"]]) / max(1e-9, median([x[1] for x in big["curl"]]))
    pairs = sorted(t[1] / max(1e-9, c[1]) for t, c in zip(big["tokenfactory"], big["curl"]))
    print("   cpu ratio tokenfactory/curl: %.2f (run-by-run range %.2f-%.2f) (target <= 1.5); RSS target <= 15 MB and flat"
          % (cpu_ratio, pairs[0], pairs[-1]))

    server.mode = ("sse", 200, 0.0)
    small = run_measured(commands(binary, base, stream=True)["tokenfactory"])[2]
    print("   RSS flatness: 200 chunks %.1f MB vs 20,000 chunks %.1f MB" % (small, max(x[2] for x in big["tokenfactory"])))


if __name__ == "__main__":
    main()
