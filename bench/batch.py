"""`batch run` and `embed --lines` against a loopback server.

The server (examples/bench_server.rs, tokio, keep-alive; built by bench/run.sh) answers each
request after LATENCY and refuses (429, Retry-After 1) any request beyond LIMIT in flight. It is
native code so that it is not what is measured (a Python asyncio server adds ~20 % here by
itself). Measured, for N input lines:
  - wall time against the ideal: N x LATENCY / LIMIT for batch run; for embed, one request per
    --batch-size lines at the concurrency chosen;
  - peak RSS (GNU time), for N = 1,000 and N = 100,000: it must stay flat;
  - resuming the complete N = 100,000 results file (the same command again: every line is read,
    its binding checked, nothing sent).
"""

import argparse
import os
import statistics
import subprocess
import tempfile
import time

KEY = "sk-benchmark000000000000000000000"


class Server:
    def __init__(self, binary, latency_ms, limit, dimensions):
        self.proc = subprocess.Popen([binary, str(latency_ms), str(limit), str(dimensions)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.port = int(self.proc.stdout.readline())

    def close(self):
        self.proc.stdin.close()
        counts = self.proc.stdout.readline().strip()
        self.proc.wait()
        return counts


def measure(argv, env):
    """Wall seconds and peak RSS (MB, via GNU time) of one run."""
    start = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", "/dev/stderr"] + argv, env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit("%s failed: %s" % (" ".join(argv), done.stderr.decode()[-2000:]))
    return wall, int(done.stderr.decode().strip().splitlines()[-1]) / 1024.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default="target/release/tokenfactory")
    parser.add_argument("--what", choices=["batch", "embed", "both"], default="both")
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000, help="lines of the RSS-flatness run")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)
    latency, limit = 0.020, 64
    server = Server(os.path.join(os.path.dirname(binary), "examples", "bench_server"), 20, limit, 1024)
    base = "http://127.0.0.1:%d/v1" % server.port
    tmp = tempfile.mkdtemp(prefix="tokenfactory-batch-bench-")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "OMNIVA_API_KEY": KEY, "HOME": tmp}

    def lines_file(n):
        path = os.path.join(tmp, "lines-%d.txt" % n)
        if not os.path.exists(path):
            with open(path, "w") as f:
                f.writelines("question number %d about something\n" % i for i in range(n))
        return path

    def resume(out, argv):
        """Median wall and peak RSS of rerunning `argv` on its complete results file `out`."""
        size = os.path.getsize(out)
        walls, rss = [], []
        for _ in range(args.runs):
            wall, peak = measure(argv, env)
            walls.append(wall)
            rss.append(peak)
        if os.path.getsize(out) != size:
            raise SystemExit("resuming a complete file changed it")
        return "resuming the complete %d-line file (%.1f MB): wall %.3f s (runs %s), peak RSS %.1f MB" % (
            args.large, size / 1e6, statistics.median(walls), ", ".join("%.3f" % w for w in walls), max(rss))

    def series(n, out, argv):
        """Median wall, each run's wall and the peak RSS of `argv` over `n` lines, into a fresh `out`."""
        walls, rss = [], []
        for _ in range(args.runs if n == args.lines else 1):
            if os.path.exists(out):
                os.remove(out)
            wall, peak = measure(argv, env)
            walls.append(wall)
            rss.append(peak)
        return statistics.median(walls), ", ".join("%.2f" % w for w in walls), max(rss)

    print("batch benchmarks: server latency %d ms, at most %d in flight (429 beyond); %d runs each"
          % (latency * 1000, limit, args.runs))
    if args.what in ("batch", "both"):
        ideal = args.lines * latency / limit
        print("\nbatch run --lines -j %d, %d lines (ideal %.2f s):" % (limit, args.lines, ideal))
        for n in (args.lines, 1000, args.large):
            out = os.path.join(tmp, "out.jsonl")
            argv = [binary, "--base-url", base, "batch", "run", "--lines", "-j", str(limit), "-o", out, lines_file(n)]
            wall, runs, rss = series(n, out, argv)
            ideal_n = n * latency / limit
            print("   %7d lines: wall %.2f s (runs %s), %.1f%% over the ideal %.2f s, peak RSS %.1f MB"
                  % (n, wall, runs, (wall / ideal_n - 1) * 100, ideal_n, rss))
            if n == args.large:
                print("   " + resume(out, argv))

    if args.what in ("embed", "both"):
        size, jobs = 64, 8
        print("\nembed --lines --batch-size %d -j %d, vectors of %d dimensions (ideal: requests x %d ms / %d):"
              % (size, jobs, 1024, latency * 1000, jobs))
        for n in (args.lines, 1000, args.large):
            out = os.path.join(tmp, "vectors.jsonl")
            argv = [binary, "--base-url", base, "embed", "--batch-size", str(size), "-j", str(jobs), "-o", out,
                    "--lines", lines_file(n)]
            wall, runs, rss = series(n, out, argv)
            requests = -(-n // size)
            ideal_n = requests * latency / jobs
            print("   %7d lines (%d requests): wall %.2f s (runs %s), %.1f%% over the ideal %.2f s, peak RSS %.1f MB"
                  % (n, requests, wall, runs, (wall / ideal_n - 1) * 100, ideal_n, rss))
            if n == args.large:
                print("   " + resume(out, argv))
    print("\nserver: %s" % server.close())


if __name__ == "__main__":
    main()
