"""Peak memory of tokenfactory against servers that send without end (Python standard library only).

  1. an SSE line that never ends (bytes without a line break, as fast as the socket takes them)
  2. an SSE event that never ends (`data:` lines without the blank line that dispatches them)
  3. a 4 MB streamed answer, with the history on and off, against a 1 KB answer (the baseline)

Peak RSS is read with GNU time (`/usr/bin/time -f %M`), each case run `--runs` times (median).
Everything talks to 127.0.0.1 only.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import KEY, FakeServer  # noqa: E402


class Server(FakeServer):
    """bench.py's loopback server, answering every POST with the stream of `self.mode`."""

    def __init__(self):
        super().__init__()
        self.mode = ("answer", 1024)

    def handle(self, conn):
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk
        head = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n"
        kind, size = self.mode
        try:
            conn.sendall(head)
            if kind == "line":
                conn.sendall(b"data: ")
                block = b"x" * 65536
                while True:
                    conn.sendall(block)
            elif kind == "event":
                block = b"data: " + b"y" * 1000 + b"\n"
                while True:
                    conn.sendall(block * 64)
            else:
                piece = "z" * 1000
                for _ in range(size // 1000):
                    event = {"choices": [{"delta": {"content": piece}}]}
                    conn.sendall(b"data: " + json.dumps(event).encode() + b"\n\n")
                done = {"choices": [{"delta": {}, "finish_reason": "stop"}]}
                conn.sendall(b"data: " + json.dumps(done).encode() + b"\n\ndata: [DONE]\n\n")
        except OSError:
            pass
        finally:
            conn.close()


def peak_rss_kb(binary, server, mode, history):
    server.mode = mode
    env = {"PATH": "/usr/bin:/bin", "OMNIVA_API_KEY": KEY, "OMNIVA_BASE_URL": f"http://127.0.0.1:{server.port}/v1"}
    home = tempfile.mkdtemp(prefix="tokenfactory-bench-")
    env["HOME"] = home
    if not history:
        env["OMNIVA_HISTORY"] = "off"
    out = subprocess.run(
        ["/usr/bin/time", "-f", "%M", binary, "chat", "--stream", "--idle-timeout", "5", "hi"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120,
    )
    last = out.stderr.decode(errors="replace").strip().splitlines()
    return int(last[-1]), out.returncode, last[-2] if len(last) > 1 else ""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    server = Server()
    cases = [
        ("an endless line", ("line", 0), False),
        ("an endless event", ("event", 0), False),
        ("a 1 KB answer, history off", ("answer", 1000), False),
        ("a 4 MB answer, history off", ("answer", 4_000_000), False),
        ("a 1 KB answer, history on", ("answer", 1000), True),
        ("a 4 MB answer, history on", ("answer", 4_000_000), True),
    ]
    print(f"peak RSS of `tokenfactory chat --stream`, median of {args.runs} runs")
    for name, mode, history in cases:
        runs = [peak_rss_kb(args.binary, server, mode, history) for _ in range(args.runs)]
        median = statistics.median(r[0] for r in runs)
        code = runs[-1][1]
        said = runs[-1][2][:110]
        print(f"  {name:28} {median / 1024:7.1f} MB   exit {code}   {said}")


if __name__ == "__main__":
    main()
