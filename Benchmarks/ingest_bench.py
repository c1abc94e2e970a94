#!/usr/bin/env python3
"""End-to-end ingest benchmark: flowarc ingest against DuckDB loading the same .gz files.

    python3 Benchmarks/ingest_bench.py                # 20,000,000 v5 records in 40 files
    python3 Benchmarks/ingest_bench.py --quick        # 2,000,000 records: a smoke run
    python3 Benchmarks/ingest_bench.py --records 5000000 --repeats 5

What one run measures, on the same generated inputs (gzip level 6, as AWS writes them):

* `flowarc ingest --threads N` for each thread count (default 1 and 2) into a fresh archive;
* `flowarc ingest --threads 1 --inflater zlib` once (the reference decoder);
* `flowarc ingest` again on the same folder (every file is already in the archive, so this
  measures the incremental check alone);
* DuckDB `CREATE TABLE flows AS SELECT * FROM read_csv('<dir>/**/*.log.gz', ...)` with
  `SET threads=N` into a database file on disk, then `CHECKPOINT`, in a child process of its own.

Every timed configuration is run --repeats times (default 3), interleaved round by round, and
the median is reported. Wall time, user+sys CPU time and peak RSS of each child come from
os.wait4(); records per CPU-second (user+sys) is the CPU-normalised rate, which is what the
"records per second per core" target is checked against. Results go to stdout, to
Benchmarks/RESULTS.md (full runs; --results PATH to choose) and, with every individual run, to
Benchmarks/results/<timestamp>.json (gitignored).

Only the Python standard library and the duckdb package are used. This is a benchmark, not a
test: nothing here gates CI.
"""

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
WORK = os.path.join(HERE, "work")
RESULTS_DIR = os.path.join(HERE, "results")
SCRATCH = ".build-bench"

# The v5 fields typed as in Athena's documented DDL for VPC flow logs (hyphens become
# underscores; version/ports/tcp_flags/traffic_path int, protocol/packets/bytes/start/end bigint).
V5_COLUMNS = [
    ("version", "INTEGER"), ("account_id", "VARCHAR"), ("interface_id", "VARCHAR"),
    ("srcaddr", "VARCHAR"), ("dstaddr", "VARCHAR"), ("srcport", "INTEGER"), ("dstport", "INTEGER"),
    ("protocol", "BIGINT"), ("packets", "BIGINT"), ("bytes", "BIGINT"), ("start", "BIGINT"),
    ("end", "BIGINT"), ("action", "VARCHAR"), ("log_status", "VARCHAR"),
    ("vpc_id", "VARCHAR"), ("subnet_id", "VARCHAR"), ("instance_id", "VARCHAR"),
    ("tcp_flags", "INTEGER"), ("type", "VARCHAR"), ("pkt_srcaddr", "VARCHAR"), ("pkt_dstaddr", "VARCHAR"),
    ("region", "VARCHAR"), ("az_id", "VARCHAR"), ("sublocation_type", "VARCHAR"), ("sublocation_id", "VARCHAR"),
    ("pkt_src_aws_service", "VARCHAR"), ("pkt_dst_aws_service", "VARCHAR"), ("flow_direction", "VARCHAR"),
    ("traffic_path", "INTEGER"),
]

M = 1_000_000
MIB = 1 << 20


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------------------------
# DuckDB child: `ingest_bench.py --duckdb-child DB GLOB THREADS` (run by the parent, not by hand)
# ----------------------------------------------------------------------------------------------

def duckdb_sql(glob):
    cols = ", ".join(f"'{n}': '{t}'" for n, t in V5_COLUMNS)
    return (f"CREATE TABLE flows AS SELECT * FROM read_csv('{glob}', delim=' ', header=true, "
            f"columns={{{cols}}}, nullstr='-', auto_detect=false)")


def duckdb_child(db, glob, threads):
    import duckdb  # imported before the clock starts: the load is timed, not the import
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    con = duckdb.connect(db)
    con.execute(f"SET threads={int(threads)}")
    con.execute(duckdb_sql(glob))
    con.execute("CHECKPOINT")
    con.close()
    t1 = time.perf_counter()
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    con = duckdb.connect(db, read_only=True)
    rows = con.execute("SELECT count(*) FROM flows").fetchone()[0]
    con.close()
    print(json.dumps({
        "load_seconds": t1 - t0,
        "load_cpu_seconds": (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime),
        "rows": rows,
        "duckdb_version": duckdb.__version__,
    }))


# ----------------------------------------------------------------------------------------------
# Running and measuring children
# ----------------------------------------------------------------------------------------------

def cpu_busy_seconds():
    """Busy and steal CPU seconds of the whole machine so far (from /proc/stat)."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:9]]
    except OSError:
        return None
    tck = os.sysconf("SC_CLK_TCK")
    user, nice, system, _idle, _iowait, irq, softirq, steal = v
    return (user + nice + system + irq + softirq) / tck, steal / tck


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return [float(x) for x in f.read().split()[:3]]
    except OSError:
        return None


def wait_quiet(max_wait):
    """Waits (at most max_wait seconds) until the rest of the machine uses under 0.3 cores over one
    second, so that a timed run starts on an idle machine when there is one. Returns the load seen."""
    deadline = time.monotonic() + max_wait
    while True:
        b0 = cpu_busy_seconds()
        time.sleep(1.0)
        b1 = cpu_busy_seconds()
        if not b0 or not b1:
            return None
        busy = b1[0] - b0[0]
        if busy < 0.3 or time.monotonic() >= deadline:
            return busy


QUIET_WAIT = 15.0


def run_child(argv, cwd=None, quiet=True):
    """Runs argv; returns wall, user, sys, peak RSS (bytes) of that child, stdout, stderr, and how
    much CPU the rest of the machine used meanwhile (busy CPU minus the child's, in cores)."""
    before = wait_quiet(QUIET_WAIT) if quiet and QUIET_WAIT > 0 else None
    out_path = os.path.join(WORK, ".child.out")
    err_path = os.path.join(WORK, ".child.err")
    busy0 = cpu_busy_seconds()
    la = loadavg()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, stdout=out, stderr=err, cwd=cwd)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
    busy1 = cpu_busy_seconds()
    with open(out_path, "rb") as f:
        stdout = f.read().decode("utf-8", "replace")
    with open(err_path, "rb") as f:
        stderr = f.read().decode("utf-8", "replace")
    cpu = ru.ru_utime + ru.ru_stime
    r = {
        "argv": argv, "rc": p.returncode, "wall": wall, "user": ru.ru_utime, "sys": ru.ru_stime,
        "cpu": cpu, "maxrss": ru.ru_maxrss * 1024, "loadavg_before": la, "other_cores_before": before,
        "stdout": stdout, "stderr": stderr,
    }
    if busy0 and busy1 and wall > 0:
        r["other_cores"] = max(0.0, (busy1[0] - busy0[0]) - cpu) / wall
        r["steal_cores"] = (busy1[1] - busy0[1]) / wall
    return r


def dir_bytes(path):
    total = 0
    for d, _, files in os.walk(path):
        for f in files:
            total += os.path.getsize(os.path.join(d, f))
    return total


def rm(path):
    if os.path.isdir(path):
        shutil.rmtree(path)
    elif os.path.exists(path):
        os.remove(path)


# ----------------------------------------------------------------------------------------------
# Build, provenance, data
# ----------------------------------------------------------------------------------------------

def build():
    # Only the flowarc product: a half-edited module elsewhere in the package (say, the query
    # engine being written) must not stop the benchmark of the ingest path.
    log(f"building flowarc (swift build -c release --scratch-path {SCRATCH} --product flowarc) ...")
    p = subprocess.run(["swift", "build", "-c", "release", "--scratch-path", SCRATCH, "--product", "flowarc"], cwd=ROOT,
                       capture_output=True, text=True)
    if p.returncode != 0:
        log(p.stdout[-4000:] + p.stderr[-4000:])
        sys.exit("build failed")
    return os.path.join(ROOT, SCRATCH, "release", "flowarc")


def git(*args):
    p = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    return p.stdout.strip() if p.returncode == 0 else ""


def provenance():
    commit = git("rev-parse", "--short=12", "HEAD") or "unknown"
    # The build includes uncommitted changes to the sources: say so, and fingerprint them.
    paths = ["Sources", "Package.swift"]
    diff = git("diff", "HEAD", "--", *paths)
    untracked = git("ls-files", "--others", "--exclude-standard", "--", *paths)
    if not diff and not untracked:
        return commit, commit
    h = hashlib.sha256(diff.encode())
    for rel in sorted(untracked.splitlines()):
        h.update(rel.encode())
        with open(os.path.join(ROOT, rel), "rb") as f:
            h.update(f.read())
    return commit, f"{commit} + uncommitted changes to Sources (sha256 {h.hexdigest()[:10]})"


def machine():
    model = "unknown"
    mem = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal"):
                    mem = f"{int(line.split()[1]) / (1 << 20):.1f} GiB"
                    break
    except OSError:
        pass
    swift = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()
    return {
        "cpu_model": model, "nproc": os.cpu_count(), "memory": mem,
        "kernel": platform.release(), "python": platform.python_version(),
        "swift": swift[0] if swift else "unknown",
    }


def input_files(data_dir):
    found = []
    for d, _, files in os.walk(data_dir):
        for f in files:
            if f.endswith(".log.gz"):
                p = os.path.join(d, f)
                found.append((os.path.relpath(p, data_dir), os.path.getsize(p)))
    return sorted(found)


def dataset(flowarc, args):
    name = f"v5-r{args.records}-f{args.files}-s{args.seed}-g{args.gzip_level}"
    data_dir = os.path.join(WORK, "data", name)
    stamp_path = os.path.join(data_dir, "params.json")
    params = {"records": args.records, "files": args.files, "seed": args.seed,
              "gzip_level": args.gzip_level, "fields": "v5"}
    if os.path.exists(stamp_path):
        with open(stamp_path) as f:
            stamp = json.load(f)
        if stamp.get("params") == params and [tuple(x) for x in stamp.get("files", [])] == input_files(data_dir):
            log(f"reusing {os.path.relpath(data_dir, ROOT)} (generated by flowarc {stamp.get('generator_commit')})")
            return data_dir, stamp
        log(f"{os.path.relpath(data_dir, ROOT)} does not match its parameters: generating again")
    rm(data_dir)
    tmp = data_dir + ".partial"
    rm(tmp)
    os.makedirs(tmp)
    log(f"generating {args.records:,} v5 records in {args.files} files at gzip level {args.gzip_level} "
        f"(about {max(1, round(args.records / 20e6))} min per 20M records) ...")
    t0 = time.perf_counter()
    p = subprocess.run([flowarc, "generate", "--out", tmp, "--records", str(args.records),
                        "--files", str(args.files), "--seed", str(args.seed), "--fields", "v5",
                        "--gzip-level", str(args.gzip_level), "--quiet"], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"flowarc generate failed: {p.stderr}")
    stamp = {"params": params, "generator_commit": provenance()[1],
             "generated_seconds": round(time.perf_counter() - t0, 1), "files": input_files(tmp)}
    with open(os.path.join(tmp, "params.json"), "w") as f:
        json.dump(stamp, f, indent=1)
    os.rename(tmp, data_dir)
    log(f"generated in {stamp['generated_seconds']} s")
    return data_dir, stamp


def warm_cache(data_dir):
    """Reads every input once, so that no configuration pays for the first read from disk."""
    for rel, _ in input_files(data_dir):
        with open(os.path.join(data_dir, rel), "rb") as f:
            while f.read(8 * MIB):
                pass


# ----------------------------------------------------------------------------------------------
# The measured configurations
# ----------------------------------------------------------------------------------------------

def flowarc_ingest(flowarc, archive, data_dir, threads, inflater="isal", fresh=True):
    if fresh:
        rm(archive)
    r = run_child([flowarc, "ingest", archive, data_dir, "--threads", str(threads),
                   "--inflater", inflater, "--json"])
    if r["rc"] != 0:
        sys.exit(f"flowarc ingest failed (exit {r['rc']}):\n{r['stderr']}\n{r['stdout']}")
    s = json.loads(r["stdout"])
    r["summary"] = s
    r["records"] = s["records"]
    r["archive_bytes"] = dir_bytes(archive)
    return r


def duckdb_load(db, data_dir, threads):
    rm(db)
    rm(db + ".wal")
    glob = os.path.join(data_dir, "**", "*.log.gz")
    r = run_child([sys.executable, os.path.abspath(__file__), "--duckdb-child", db, glob, str(threads)])
    if r["rc"] != 0:
        sys.exit(f"DuckDB load failed (exit {r['rc']}):\n{r['stderr']}")
    child = json.loads(r["stdout"].strip().splitlines()[-1])
    r["child"] = child
    r["records"] = child["rows"]
    # The process figures include starting Python and importing duckdb; the load itself is timed
    # inside the child (connect, CREATE TABLE AS, CHECKPOINT, close) and that is what is reported.
    r["process_wall"], r["process_cpu"] = r["wall"], r["cpu"]
    r["wall"], r["cpu"] = child["load_seconds"], child["load_cpu_seconds"]
    r["db_bytes"] = os.path.getsize(db) + (os.path.getsize(db + ".wal") if os.path.exists(db + ".wal") else 0)
    return r


def describe(r):
    rate = r["records"] / r["wall"] if r["wall"] > 0 else 0
    per = r["records"] / r["cpu"] if r["cpu"] > 0 else 0
    other = f", other load {r['other_cores']:.2f} cores" if "other_cores" in r else ""
    return (f"{r['wall']:7.2f} s  {rate / M:6.3f} M rec/s  cpu {r['cpu']:7.2f} s  "
            f"{per / M:6.3f} M rec/CPU-s  rss {r['maxrss'] / MIB:7.1f} MiB{other}")


QUIET = 0.5  # a run during which the rest of the machine used more CPU than this (cores) is "contended"


def summarize(all_runs):
    """Median figures of the runs of one configuration. Extra runs (made only to find a quiet
    one) count for the quiet-run figures alone, so the medians stay medians of --repeats runs."""
    runs = [r for r in all_runs if not r.get("extra")] or all_runs
    quiet = [r for r in all_runs if r.get("other_cores", 0.0) <= QUIET]
    recs = runs[0]["records"]
    walls = [r["wall"] for r in runs]
    cpus = [r["cpu"] for r in runs]
    return {
        "runs": len(runs), "records": recs,
        "wall": statistics.median(walls), "wall_min": min(walls), "wall_max": max(walls),
        "cpu": statistics.median(cpus),
        "rate": statistics.median([recs / w for w in walls]),
        "rate_best": recs / min(walls),
        "rate_per_cpu": statistics.median([recs / c for c in cpus]),
        "rate_per_cpu_best": recs / min(cpus) if min(cpus) > 0 else 0.0,
        "cores_used": statistics.median([r["cpu"] / r["wall"] for r in runs]),
        "maxrss": statistics.median([r["maxrss"] for r in runs]),
        "maxrss_max": max(r["maxrss"] for r in runs),
        "other_cores": statistics.median([r.get("other_cores", 0.0) for r in runs]),
        "contended": sum(1 for r in runs if r.get("other_cores", 0.0) > QUIET),
        "quiet_runs": len(quiet), "extra_runs": len(all_runs) - len(runs),
        "rate_quiet": statistics.median([recs / r["wall"] for r in quiet]) if quiet else None,
        "steal_cores": statistics.median([r.get("steal_cores", 0.0) for r in runs]),
    }


# ----------------------------------------------------------------------------------------------
# Report
# ----------------------------------------------------------------------------------------------

def fmt_m(x):
    return f"{x / M:.3f}"


def fmt_mib(x):
    return f"{x / MIB:.0f}"


def report(ctx):
    s = ctx["summary"]
    n = ctx["records"]
    threads = ctx["threads"]
    lines = []
    add = lines.append
    add(f"## Ingest: flowarc vs DuckDB, {n:,} v5 records in {ctx['files']} files ({ctx['date']})")
    add("")
    add("| | |")
    add("|---|---|")
    add(f"| date (UTC) | {ctx['date']} |")
    add(f"| machine | {ctx['machine']['cpu_model']}, nproc {ctx['machine']['nproc']}, {ctx['machine']['memory']} RAM, Linux {ctx['machine']['kernel']} |")
    add(f"| flowarc | {ctx['flowarc_version']} (`swift build -c release`, {ctx['machine']['swift']}) |")
    add(f"| DuckDB | {ctx['duckdb_version']} (Python package; Python {ctx['machine']['python']}) |")
    add(f"| input | `flowarc generate --records {n} --files {ctx['files']} --seed {ctx['seed']} --fields v5 --gzip-level {ctx['gzip_level']}`: "
        f"{ctx['gz_bytes']:,} bytes of .gz, {ctx['text_bytes']:,} bytes of text |")
    la0, la1 = ctx["loadavg_start"], ctx["loadavg_end"]
    add(f"| load average (1/5/15 min) | start {la0[0]:.2f} / {la0[1]:.2f} / {la0[2]:.2f}, end {la1[0]:.2f} / {la1[1]:.2f} / {la1[2]:.2f} |")
    add(f"| CPU used by other processes during the timed runs | median {ctx['other_cores_median']:.2f} cores, max {ctx['other_cores_max']:.2f} cores (of {ctx['machine']['nproc']}); steal median {ctx['steal_median']:.2f} cores |")
    add(f"| method | median of {ctx['repeats']} runs per configuration, interleaved round by round, page cache warm, same files and same thread counts for both tools, each run waits up to {ctx['quiet_wait']:.0f} s for an idle machine |")
    add("")
    add("The machine is shared and noisy: wall times between identical runs vary (min–max shown), and a run")
    add("that overlaps other work on a 2-core machine loses a core (\"other processes\": CPU used by the rest of")
    add("the machine during the run, from /proc/stat, and how many runs overlapped more than half a core).")
    add(f"\"Quiet runs\" are the runs during which the rest of the machine used at most {QUIET} cores; a configuration")
    add(f"with no quiet run among its {ctx['repeats']} was run again (up to {ctx['retry']} more times, not counted in the")
    add("medians) to find one.")
    add("Records per CPU-second (user+sys of the child, from `wait4`) is the steadier, CPU-normalised figure;")
    add("other tenants of the host still slow it (shared caches and memory bandwidth, invisible from inside the")
    add("VM), and only ever slow it, so its best run is shown too: the closest to the code's own cost.")
    add("")
    add("### Throughput (medians)")
    add("")
    add("| run | threads | wall s (min–max) | M records/s | M records/s, best run | M records/s, quiet runs (n) | CPU s | **M records/s per core** (per CPU-s) | per CPU-s, best run | cores used | other processes (cores; runs > 0.5) | peak RSS MiB |")
    add("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")

    def row(label, key, t):
        x = s[key]
        runs = f" ({x['wall_min']:.2f}–{x['wall_max']:.2f})" if x["runs"] > 1 else " (1 run)"
        quiet = f"{fmt_m(x['rate_quiet'])} ({x['quiet_runs']})" if x["rate_quiet"] else "– (0)"
        add(f"| {label} | {t} | {x['wall']:.2f}{runs} | {fmt_m(x['rate'])} | {fmt_m(x['rate_best'])} | {quiet} | {x['cpu']:.2f} | **{fmt_m(x['rate_per_cpu'])}** | "
            f"{fmt_m(x['rate_per_cpu_best'])} | {x['cores_used']:.2f} | {x['other_cores']:.2f}; {x['contended']}/{x['runs']} | {fmt_mib(x['maxrss'])} |")

    for t in threads:
        row("flowarc ingest (ISA-L)", f"flowarc-t{t}", t)
    if "flowarc-zlib" in s:
        row("flowarc ingest --inflater zlib", "flowarc-zlib", ctx["zlib_threads"])
    for t in threads:
        row("DuckDB read_csv → table + CHECKPOINT", f"duckdb-t{t}", t)
    if "rerun" in s:
        x = s["rerun"]
        add(f"| flowarc ingest again (all {ctx['files']} files skipped) | {threads[-1]} | {x['wall']:.3f} ({x['wall_min']:.3f}–{x['wall_max']:.3f}) | – | – | – | "
            f"{x['cpu']:.3f} | – | – | {x['cores_used']:.2f} | {x['other_cores']:.2f}; {x['contended']}/{x['runs']} | {fmt_mib(x['maxrss'])} |")
    add("")
    add("DuckDB's figures are its load alone (connect, CREATE TABLE AS, CHECKPOINT, close, timed inside its")
    add(f"child process); its peak RSS is the whole child's, which includes Python with duckdb imported "
        f"({fmt_mib(ctx['python_duckdb_rss'])} MiB on its own).")
    add("flowarc's figures are the whole `flowarc ingest` process.")
    add("")
    add("### Sizes")
    add("")
    add("| | bytes | bytes per record | vs .gz input |")
    add("|---|---:|---:|---:|")
    gz = ctx["gz_bytes"]
    for label, b in (("input .gz files (gzip -6)", gz), ("input text (inflated)", ctx["text_bytes"]),
                     ("flowarc archive (directory, all files)", ctx["archive_bytes"]),
                     ("DuckDB database file (after CHECKPOINT)", ctx["db_bytes"])):
        add(f"| {label} | {b:,} | {b / n:.2f} | {b / gz:.3f} |")
    add("")
    add("### flowarc ÷ DuckDB")
    add("")
    add("| threads | records/s (wall, medians) | records/s (best runs) | records/s (quiet runs) | records per CPU-second | peak RSS | stored size |")
    add("|---:|---:|---:|---:|---:|---:|---:|")
    for t in threads:
        f, d = s[f"flowarc-t{t}"], s[f"duckdb-t{t}"]
        q = f"{f['rate_quiet'] / d['rate_quiet']:.2f}×" if f["rate_quiet"] and d["rate_quiet"] else "–"
        add(f"| {t} | **{f['rate'] / d['rate']:.2f}×** | {f['rate_best'] / d['rate_best']:.2f}× | {q} | {f['rate_per_cpu'] / d['rate_per_cpu']:.2f}× | "
            f"{f['maxrss'] / d['maxrss']:.2f}× | {ctx['archive_bytes'] / ctx['db_bytes']:.2f}× |")
    add("")
    add("Above 1× is faster for the rates; below 1× is smaller for RSS and size.")
    add("")
    add("### Against the targets")
    add("")
    best_core = max(s[f"flowarc-t{t}"]["rate_per_cpu"] for t in threads)
    t1 = s[f"flowarc-t{threads[0]}"]["rate_per_cpu"]
    tl = s[f"flowarc-t{threads[-1]}"]
    dl = s[f"duckdb-t{threads[-1]}"]
    ok = lambda c: "met" if c else "**not met**"
    add("| target | measured | |")
    add("|---|---|---|")
    add(f"| ≥ 2 M v5 records/s per core | {fmt_m(t1)} M per CPU-second at {threads[0]} thread, "
        + ", ".join(f"{fmt_m(s[f'flowarc-t{t}']['rate_per_cpu'])} at {t}" for t in threads[1:])
        + " (medians; best runs " + ", ".join(f"{fmt_m(s[f'flowarc-t{t}']['rate_per_cpu_best'])}" for t in threads) + ")"
        + f" | {ok(best_core >= 2 * M)} (on the medians) |")
    if tl["rate_quiet"] and dl["rate_quiet"]:
        fr, dr, basis = tl["rate_quiet"], dl["rate_quiet"], "quiet runs"
    else:
        fr, dr, basis = tl["rate"], dl["rate"], "medians of all runs"
    add(f"| well ahead of DuckDB loading the same .gz ({threads[-1]} threads) | wall clock ({basis}): flowarc {fmt_m(fr)} M/s vs DuckDB {fmt_m(dr)} M/s "
        f"(issue's reference for DuckDB: 0.53 M/s): {fr / dr:.2f}×; per CPU-second: {tl['rate_per_cpu'] / dl['rate_per_cpu']:.2f}× "
        f"| {ok(fr / dr >= 2)} on wall clock, {ok(tl['rate_per_cpu'] / dl['rate_per_cpu'] >= 2)} per CPU-second (taking 2× as 'well ahead') |")
    worst = max(s[f"flowarc-t{t}"]["maxrss_max"] for t in threads)
    add(f"| memory bounded (README: threads × 12 MiB of text in flight + 2 × threads blocks + a reordered copy per encoding block, \"about 150 MB\" at 2 threads) | flowarc peak RSS "
        + ", ".join(f"{fmt_mib(s[f'flowarc-t{t}']['maxrss'])} MiB at {t} thread{'s' if t > 1 else ''}" for t in threads)
        + f" (worst run {fmt_mib(worst)} MiB) for {ctx['text_bytes'] / (1 << 30):.1f} GiB of text; DuckDB "
        + ", ".join(f"{fmt_mib(s[f'duckdb-t{t}']['maxrss'])} MiB" for t in threads)
        + f" | {ok(worst < 250 * MIB)} (taking < 250 MiB as bounded at about 100 MB) |")
    add("")
    notes = ctx.get("notes", [])
    if notes:
        add("### Notes")
        add("")
        for x in notes:
            add(f"- {x}")
        add("")
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description="flowarc ingest vs DuckDB, end to end, on the same .gz files.")
    ap.add_argument("--records", type=int, default=20 * M, help="v5 records to generate (default 20,000,000)")
    ap.add_argument("--quick", action="store_true", help="smoke run: 2,000,000 records, results not written to RESULTS.md")
    ap.add_argument("--files", type=int, default=40, help="number of .log.gz files (default 40)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--gzip-level", type=int, default=6, help="gzip level of the inputs (default 6, close to what AWS writes)")
    ap.add_argument("--threads", default="1,2", help="thread counts, comma separated (default 1,2)")
    ap.add_argument("--repeats", type=int, default=3, help="timed runs per configuration; the median is reported (default 3)")
    ap.add_argument("--zlib-threads", type=int, default=1, help="threads of the single --inflater zlib run (default 1; 0 skips it)")
    ap.add_argument("--retry-contended", type=int, default=2,
                    help="extra runs (at most) of a configuration none of whose runs was quiet (default 2)")
    ap.add_argument("--quiet-wait", type=float, default=15.0, help="seconds each run may wait for an idle machine (default 15; 0: no wait)")
    ap.add_argument("--no-build", action="store_true", help=f"use the existing {SCRATCH}/release/flowarc")
    ap.add_argument("--flowarc", help="path of a flowarc binary to measure (implies --no-build)")
    ap.add_argument("--results", help="Markdown file to write (default Benchmarks/RESULTS.md; none for --quick)")
    ap.add_argument("--keep-outputs", action="store_true", help="keep the last archive and database under Benchmarks/work/out")
    ap.add_argument("--duckdb-baseline", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--duckdb-child", nargs=3, metavar=("DB", "GLOB", "THREADS"), help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.duckdb_child:
        duckdb_child(*args.duckdb_child)
        return
    if args.duckdb_baseline:
        import duckdb  # noqa: F401 (the peak RSS of Python with duckdb imported, for reference)
        return
    if args.quick and args.records == 20 * M:
        args.records = 2 * M
    threads = [int(x) for x in args.threads.split(",") if x.strip()]
    global QUIET_WAIT
    QUIET_WAIT = args.quiet_wait
    try:
        import duckdb
        duckdb_version = duckdb.__version__
    except ImportError:
        sys.exit("the duckdb Python package is needed: pip install duckdb")

    with open(os.path.join(ROOT, ".gitignore")) as f:
        if "Benchmarks/work/" not in f.read().split():
            log("warning: Benchmarks/work/ is not in .gitignore; the generated data would show in git status")
    os.makedirs(WORK, exist_ok=True)

    flowarc = args.flowarc or (os.path.join(ROOT, SCRATCH, "release", "flowarc") if args.no_build else build())
    flowarc = os.path.abspath(flowarc)
    commit, flowarc_version = provenance()
    data_dir, stamp = dataset(flowarc, args)
    gz_bytes = sum(size for _, size in stamp["files"])
    out = os.path.join(WORK, "out")
    os.makedirs(out, exist_ok=True)
    archive = os.path.join(out, "flows.arc")
    db = os.path.join(out, "flows.duckdb")

    log("warming the page cache ...")
    warm_cache(data_dir)
    date = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    la_start = loadavg()
    log(f"load average {la_start}; {args.repeats} rounds of flowarc and DuckDB at threads {threads}")

    runs = {}
    n = args.records
    total = args.repeats * 2 * len(threads) + (1 if args.zlib_threads else 0) + args.repeats
    k = 0

    def record(label, r, key=None):
        nonlocal k
        key = key or label
        k += 1
        runs.setdefault(key, []).append(r)
        log(f"[{k:2}/{total}] {label:22} {describe(r)}")
        if r["records"] != n and key != "rerun":
            sys.exit(f"{key}: {r['records']:,} records, expected {n:,}")

    for _ in range(args.repeats):
        for t in threads:
            r = flowarc_ingest(flowarc, archive, data_dir, t)
            sm = r["summary"]
            assert sm["rejected_lines"] == 0 and sm["files_failed"] == 0 and sm["files_ingested"] == args.files, sm
            record(f"flowarc-t{t}", r)
        for t in threads:
            record(f"duckdb-t{t}", duckdb_load(db, data_dir, t))
    # A configuration none of whose runs had the machine to itself gets up to --retry-contended
    # extra runs, each after waiting longer for an idle machine; they feed the quiet-run figures only.
    saved_wait, QUIET_WAIT = QUIET_WAIT, max(QUIET_WAIT, 60.0)
    for t in threads:
        for key, make in ((f"flowarc-t{t}", lambda t=t: flowarc_ingest(flowarc, archive, data_dir, t)),
                          (f"duckdb-t{t}", lambda t=t: duckdb_load(db, data_dir, t))):
            for _ in range(args.retry_contended):
                if any(r.get("other_cores", 0.0) <= QUIET for r in runs[key]):
                    break
                total += 1
                r = make()
                r["extra"] = True
                record(key + " (extra)", r, key)
    QUIET_WAIT = saved_wait
    if args.zlib_threads:
        record("flowarc-zlib", flowarc_ingest(flowarc, archive, data_dir, args.zlib_threads, inflater="zlib"))
    for _ in range(args.repeats):
        r = flowarc_ingest(flowarc, archive, data_dir, threads[-1], fresh=False)
        sm = r["summary"]
        assert sm["files_skipped"] == args.files and sm["records"] == 0, f"re-run did not skip everything: {sm}"
        record("rerun", r)
    la_end = loadavg()
    python_duckdb_rss = run_child([sys.executable, os.path.abspath(__file__), "--duckdb-baseline"], quiet=False)["maxrss"]

    # Both tools hold the same records (DuckDB's count is checked against flowarc's here).
    flowarc_records = runs[f"flowarc-t{threads[0]}"][0]["records"]
    for t in threads:
        for r in runs[f"duckdb-t{t}"]:
            assert r["records"] == flowarc_records, f"DuckDB has {r['records']:,} rows, flowarc {flowarc_records:,} records"

    notes = []
    archive_sizes = {r["archive_bytes"] for key in runs if key.startswith("flowarc-") for r in runs[key]}
    if len(archive_sizes) == 1:
        notes.append("flowarc wrote archives of identical size for every thread count and both inflaters "
                     "(the archive is deterministic in the input order).")
    else:
        notes.append(f"flowarc archive sizes differed between runs: {sorted(archive_sizes)}")
    db_sizes = sorted({r["db_bytes"] for t in threads for r in runs[f"duckdb-t{t}"]})
    if len(db_sizes) > 1:
        notes.append(f"DuckDB file sizes differed between runs/thread counts: {', '.join(f'{x:,}' for x in db_sizes)} bytes (the median is reported).")
    s0 = runs[f"flowarc-t{threads[0]}"][0]["summary"]
    notes.append(f"flowarc stores {s0['records']:,} records (+{s0['header_lines']} header lines counted, {s0['rejected_lines']} rejected) "
                 "and three derived partition columns (account, region, date from the S3 key) that the DuckDB table does not have.")
    notes.append("DuckDB reads the same files through `read_csv('…/**/*.log.gz', delim=' ', header=true, columns={29 v5 columns typed as "
                 "Athena's DDL}, nullstr='-', auto_detect=false)`; its row count equals flowarc's record count (asserted).")
    flowarc_self = statistics.median([r["summary"]["peak_resident_bytes"] for r in runs[f"flowarc-t{threads[-1]}"]])
    notes.append(f"flowarc's own summary reports peak_resident_bytes {fmt_mib(flowarc_self)} MiB at {threads[-1]} threads (median), "
                 "consistent with ru_maxrss from wait4.")

    summary = {key: summarize(v) for key, v in runs.items()}
    other = [r.get("other_cores", 0.0) for key, v in runs.items() if key != "rerun" for r in v]
    steal = [r.get("steal_cores", 0.0) for key, v in runs.items() if key != "rerun" for r in v]
    ctx = {
        "date": date, "machine": machine(), "flowarc_version": flowarc_version, "commit": commit,
        "duckdb_version": runs[f"duckdb-t{threads[0]}"][0]["child"]["duckdb_version"] or duckdb_version,
        "records": n, "files": args.files, "seed": args.seed, "gzip_level": args.gzip_level,
        "threads": threads, "repeats": args.repeats, "quiet_wait": args.quiet_wait, "retry": args.retry_contended, "zlib_threads": args.zlib_threads,
        "gz_bytes": gz_bytes, "text_bytes": s0["text_bytes"],
        "archive_bytes": int(statistics.median([r["archive_bytes"] for r in runs[f"flowarc-t{threads[0]}"]])),
        "db_bytes": int(statistics.median([r["db_bytes"] for t in threads for r in runs[f"duckdb-t{t}"]])),
        "loadavg_start": la_start, "loadavg_end": la_end, "python_duckdb_rss": python_duckdb_rss,
        "other_cores_median": statistics.median(other), "other_cores_max": max(other),
        "steal_median": statistics.median(steal),
        "summary": summary, "notes": notes,
    }
    text = report(ctx)
    print(text)

    os.makedirs(RESULTS_DIR, exist_ok=True)
    stamp_name = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    raw = {k2: v for k2, v in ctx.items()}
    raw["runs"] = {key: [{x: y for x, y in r.items() if x not in ("stdout", "stderr")} for r in v] for key, v in runs.items()}
    with open(os.path.join(RESULTS_DIR, f"ingest-{stamp_name}-{n}.json"), "w") as f:
        json.dump(raw, f, indent=1, default=str)
    with open(os.path.join(RESULTS_DIR, f"ingest-{stamp_name}-{n}.md"), "w") as f:
        f.write(text + "\n")
    results = args.results or (None if args.quick else os.path.join(HERE, "RESULTS.md"))
    if results:
        header = ("# Benchmark results\n\n"
                  "Written by `python3 Benchmarks/ingest_bench.py` (see `Benchmarks/README.md` for the method). "
                  "Every run also leaves its raw figures in `Benchmarks/results/` (not committed).\n\n")
        # Replace only the earlier ingest section (from its "## Ingest" heading to the next "## "
        # heading or the end): the query benchmark's section in the same file is kept.
        old = open(results).read() if os.path.exists(results) else ""
        rest = re.sub(r"^.*?(?=\n## |\Z)", "", old, count=1, flags=re.S)  # drop the file header
        rest = re.sub(r"\n## Ingest: flowarc vs DuckDB.*?(?=\n## |\Z)", "", rest, flags=re.S).strip("\n")
        with open(results, "w") as f:
            f.write(header + text + "\n" + ("\n" + rest + "\n" if rest else ""))
        log(f"wrote {os.path.abspath(results)}")
    if not args.keep_outputs:
        rm(archive)
        rm(db)


if __name__ == "__main__":
    main()
