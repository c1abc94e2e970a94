#!/usr/bin/env python3
"""Query benchmark: `flowarc query` against DuckDB on the same generated VPC flow logs.

    python3 Benchmarks/query_bench.py                 # 20,000,000 v5 records (the ingest_bench data set)
    python3 Benchmarks/query_bench.py --quick         # 2,000,000 records: a smoke run (not written to RESULTS.md)
    python3 Benchmarks/query_bench.py --records 5000000 --repeats 5

It reuses ingest_bench.py's data set (Benchmarks/work/data/<params>/, generated if missing) and
builds, once per parameter set, under Benchmarks/work/query/<params>/:

* flows.arc     `flowarc ingest` of the .gz files;
* flows.duckdb  a DuckDB native table `flows` loaded with the same read_csv (Athena types) as
                ingest_bench, plus a view `vpcflow` with the bootstrap column names.

Both are reused by later runs (the archive is rebuilt when the format version or the writer's
sources changed; delete the folder to rebuild both). Every query is then run in
both engines with the same thread count (default 2), each run in a child process of its own:
flowarc is the whole `flowarc query ARCHIVE SQL --format csv --threads N --explain` process
(wall clock from the parent, CSV to a file); DuckDB is a Python child that imports duckdb, then
times connect(read_only) + SET threads + execute + fetchall itself. One untimed warm-up run of
each, then --repeats timed runs (default 3) interleaved, median reported. The warm-up runs also
check correctness: row counts must agree, and the sorted, normalised rows must be identical
(compared by SHA-256) wherever the two engines print values in the same form. Then all queries
run as one session in each engine, the like-for-like comparison: one flowarc process (`-f
script.sql`, the archive opened once, each statement timed by flowarc's --explain) and one DuckDB
connection (each query timed from execute to the last row fetched), each with a warm-up round
and --repeats timed rounds.
"""

import argparse
import csv
import datetime as dt
import glob
import hashlib
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import ingest_bench as ib  # noqa: E402

ROOT, WORK = ib.ROOT, ib.WORK
M = 1_000_000

VIEW = """CREATE OR REPLACE VIEW vpcflow AS SELECT
  srcaddr AS sourceaddress, dstaddr AS destinationaddress, srcport AS sourceport,
  dstport AS destinationport, packets AS numpackets, bytes AS numbytes, start AS starttime,
  "end" AS endtime, flow_direction, action, log_status AS logstatus, interface_id AS interfaceid,
  instance_id AS instanceid, protocol FROM flows"""


# ----------------------------------------------------------------------------------------------
# Children (run by the parent, not by hand)
# ----------------------------------------------------------------------------------------------

def norm(s):
    """One textual form for a cell, whichever engine printed it: integers as integers, other
    numbers to 9 significant digits, NULL as the empty string."""
    if s is None:
        return ""
    s = str(s)
    try:
        return str(int(s))
    except ValueError:
        pass
    try:
        x = float(s)
        if x == int(x) and abs(x) < 1e18:
            return str(int(x))
        return f"{x:.9g}"
    except (ValueError, OverflowError):
        return s


def digest(rows, skip=0):
    h = hashlib.sha256()
    for r in sorted("\x1f".join(norm(c) for c in r[skip:]) for r in rows):
        h.update(r.encode())
        h.update(b"\n")
    return h.hexdigest()


def duckdb_load_child(db, glob):
    import duckdb
    t0 = time.perf_counter()
    con = duckdb.connect(db)
    con.execute(ib.duckdb_sql(glob))
    con.execute(VIEW)
    con.execute("CHECKPOINT")
    n = con.execute("SELECT count(*) FROM flows").fetchone()[0]
    con.close()
    print(json.dumps({"rows": n, "seconds": time.perf_counter() - t0}))


def duckdb_query_child(db, threads, sql_file, check):
    import duckdb  # imported before the clock starts
    with open(sql_file) as f:
        sql = f.read()
    t0 = time.perf_counter()
    con = duckdb.connect(db, read_only=True)
    con.execute(f"SET threads={int(threads)}")
    rows = con.execute(sql).fetchall()
    elapsed = time.perf_counter() - t0
    out = {"ms": elapsed * 1000, "rows": len(rows)}
    if check != "0":
        out["digest"] = digest(rows, 1 if check == "sums" else 0)
        out["sample"] = [[str(c) for c in r] for r in rows[:5]]
    con.close()
    print(json.dumps(out))


def duckdb_session_child(db, threads, sql_file, repeats):
    """DuckDB's side of the session comparison: one connection, a warm-up round of every query,
    then `repeats` timed rounds, each query timed from execute to the last row fetched (the
    connection, its buffer pool and its caches stay warm, as flowarc's session keeps its open
    archive, mappings and decoded indexes)."""
    import duckdb
    with open(sql_file) as f:
        sqls = json.load(f)
    t0 = time.perf_counter()
    con = duckdb.connect(db, read_only=True)
    con.execute(f"SET threads={int(threads)}")
    connect_ms = (time.perf_counter() - t0) * 1000
    times = [[] for _ in sqls]
    for rnd in range(1 + int(repeats)):
        for i, sql in enumerate(sqls):
            t = time.perf_counter()
            con.execute(sql).fetchall()
            if rnd > 0:
                times[i].append((time.perf_counter() - t) * 1000)
    con.close()
    print(json.dumps({"connect_ms": connect_ms, "times": times}))


def run_duckdb_session(db, sqls, threads, repeats):
    sql_file = os.path.join(WORK, ".session.json")
    with open(sql_file, "w") as f:
        json.dump(sqls, f)
    ib.wait_quiet(ib.QUIET_WAIT)
    p = subprocess.run([sys.executable, os.path.abspath(__file__), "--duckdb-session", db, str(threads), sql_file, str(repeats)],
                       capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"DuckDB session failed: {p.stderr[-2000:]}")
    out = json.loads(p.stdout.strip().splitlines()[-1])
    return out["connect_ms"], out["times"]


# ----------------------------------------------------------------------------------------------
# Setup
# ----------------------------------------------------------------------------------------------

def writer_version():
    """(major, minor) of the format this checkout writes (Sources/FlowArchive/Format.swift)."""
    text = open(os.path.join(ROOT, "Sources/FlowArchive/Format.swift")).read()
    major = int(re.search(r"majorVersion: UInt16 = (\d+)", text).group(1))
    minor = int(re.search(r"minorVersion: UInt16 = (\d+)", text).group(1))
    return (major, minor)


def archive_version(archive):
    """(major, minor) from the header of the archive's first segment (little-endian u16s at 4 and 6)."""
    segs = sorted(glob.glob(os.path.join(archive, "segments", "*.fseg")))
    if not segs:
        return None
    with open(segs[0], "rb") as f:
        head = f.read(8)
    return (int.from_bytes(head[4:6], "little"), int.from_bytes(head[6:8], "little"))


def writer_sources_hash():
    """SHA-256 of the sources that decide what `flowarc ingest` writes (parsing, encoding, layout):
    a change of writer policy within one format version (e.g. which chunks are stored as literals)
    changes the archive too."""
    h = hashlib.sha256()
    for sub in ("FlowLog", "FlowCodecs", "FlowArchive", "FlowIngest"):
        for path in sorted(glob.glob(os.path.join(ROOT, "Sources", sub, "*.swift"))):
            h.update(os.path.basename(path).encode())
            with open(path, "rb") as f:
                h.update(f.read())
    return h.hexdigest()


def prepare(flowarc, data_dir, qdir, threads):
    os.makedirs(qdir, exist_ok=True)
    archive = os.path.join(qdir, "flows.arc")
    stamp = archive + ".writer"
    db = os.path.join(qdir, "flows.duckdb")
    written_by = open(stamp).read().strip() if os.path.exists(stamp) else None
    if os.path.isdir(archive) and (archive_version(archive) != writer_version() or written_by != writer_sources_hash()):
        # An archive from an older writer would benchmark the older format or writer.
        ib.log(f"{os.path.relpath(archive, ROOT)} was written by other writer sources (format {archive_version(archive)}): rebuilding")
        ib.rm(archive)
    if os.path.isdir(archive):
        ib.log(f"reusing {os.path.relpath(archive, ROOT)}")
    else:
        tmp = archive + ".partial"
        ib.rm(tmp)
        ib.log("building the flowarc archive ...")
        p = subprocess.run([flowarc, "ingest", tmp, data_dir, "--threads", str(threads), "--quiet"])
        if p.returncode != 0:
            sys.exit("flowarc ingest failed")
        os.rename(tmp, archive)
        with open(stamp, "w") as f:
            f.write(writer_sources_hash() + "\n")
    if os.path.exists(db):
        ib.log(f"reusing {os.path.relpath(db, ROOT)}")
    else:
        tmp = db + ".partial"
        ib.rm(tmp)
        ib.rm(tmp + ".wal")
        ib.log("loading the DuckDB table ...")
        glob = os.path.join(data_dir, "**", "*.log.gz")
        p = subprocess.run([sys.executable, os.path.abspath(__file__), "--duckdb-load", tmp, glob],
                           capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"DuckDB load failed: {p.stderr}")
        os.rename(tmp, db)
    return archive, db


def parameters(db):
    import duckdb
    con = duckdb.connect(db, read_only=True)
    t0 = con.execute("SELECT min(starttime) FROM vpcflow").fetchone()[0]
    # A mining-pool address (what `flowarc generate` prints as "mining pools:"): a public destination of the
    # stratum ports; and a rare IPv4 destination (100-1000 records), for contrast.
    pool = con.execute("""SELECT destinationaddress, count(*) AS n FROM vpcflow
        WHERE destinationaddress IN (SELECT DISTINCT destinationaddress FROM vpcflow
                                     WHERE destinationport IN (3333, 4444, 14444, 45700)
                                       AND destinationaddress NOT LIKE '10.%' AND destinationaddress NOT LIKE '172.%'
                                       AND destinationaddress NOT LIKE '192.168.%' AND destinationaddress NOT LIKE '%:%')
        GROUP BY 1 ORDER BY n, 1 LIMIT 1""").fetchone()
    rare = con.execute("""SELECT destinationaddress, count(*) AS n FROM vpcflow WHERE destinationaddress NOT LIKE '%:%'
        GROUP BY 1 HAVING n BETWEEN 100 AND 1000 ORDER BY n, 1 LIMIT 1""").fetchone()
    inet = True
    try:
        con.execute("LOAD inet")
    except Exception:
        try:
            con.execute("INSTALL inet")
            con.execute("LOAD inet")
        except Exception:
            inet = False
    con.close()
    return t0 + 86400, pool, rare, inet


def queries(t, pool, rare, inet):
    ts = dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    seed = ("SELECT numpackets, sourceaddress, destinationaddress, destinationport FROM vpcflow "
            "WHERE flow_direction = 'egress' AND destinationaddress NOT LIKE '192.168.%' "
            "AND destinationaddress NOT LIKE '10.%' AND destinationaddress NOT LIKE '172.%' "
            "GROUP BY numpackets, sourceaddress, destinationaddress, destinationport ORDER BY numpackets DESC")
    cidr_f = "SELECT count(*) FROM vpcflow WHERE contains('52.216.0.0/15', CAST(destinationaddress AS IPADDRESS))"
    r = random.Random(7)
    listed = [f"{r.randrange(1, 224)}.{r.randrange(256)}.{r.randrange(256)}.{r.randrange(1, 255)}" for _ in range(498)]
    listed[100:100] = [pool[0]]
    listed[400:400] = [rare[0]]
    intel = ", ".join(f"'{a}'" for a in listed)
    if inet:
        cidr_d = ("SELECT count(*) FROM vpcflow WHERE CAST(destinationaddress AS INET) <<= '52.216.0.0/15'::INET")
    else:
        cidr_d = ("SELECT count(*) FROM vpcflow WHERE destinationaddress LIKE '52.216.%' "
                  "OR destinationaddress LIKE '52.217.%'")
    return [
        # name, kind, flowarc SQL, DuckDB SQL (None: the same), compare rows?
        ("seed query", "full", seed, None, True),
        ("top talkers", "full", "SELECT sourceaddress, sum(numbytes) AS b FROM vpcflow GROUP BY sourceaddress "
         "ORDER BY b DESC LIMIT 10", None, True),
        ("bytes per hour", "full", "SELECT date_trunc('hour', from_unixtime(starttime)) AS h, sum(numbytes) AS b "
         "FROM vpcflow GROUP BY 1 ORDER BY 1",
         "SELECT date_trunc('hour', to_timestamp(starttime) AT TIME ZONE 'UTC') AS h, sum(numbytes) AS b FROM vpcflow GROUP BY 1 ORDER BY 1",
         "sums"),
        ("one address (pool)", "selective", f"SELECT count(*), sum(numbytes) FROM vpcflow WHERE destinationaddress = '{pool[0]}'",
         None, True),
        ("one address (rare)", "selective", f"SELECT count(*), sum(numbytes) FROM vpcflow WHERE destinationaddress = '{rare[0]}'",
         None, True),
        ("one port", "selective", "SELECT sourceaddress, count(*) FROM vpcflow WHERE destinationport = 3333 "
         "GROUP BY sourceaddress ORDER BY 2 DESC", None, True),
        ("one-hour window", "selective", f"SELECT count(*) FROM vpcflow WHERE starttime BETWEEN {t} AND {t + 3600}",
         None, True),
        ("CIDR", "selective", cidr_f, cidr_d, True),
        # A threat-intel list: the mining pool and the rare address among 498 others (random,
        # almost all absent), as an IN list.
        ("threat list (500 addresses)", "selective",
         f"SELECT destinationaddress, count(*) AS n, sum(numbytes) AS b FROM vpcflow WHERE destinationaddress IN ({intel}) "
         "GROUP BY 1 ORDER BY 1", None, True),
        # As analysts write them in Athena: a time window in timestamps and an INTERVAL, and a
        # WITH query read by the body.
        ("hunt window (timestamps)", "selective",
         f"SELECT sourceaddress, destinationaddress, destinationport, sum(numbytes) AS b FROM vpcflow "
         f"WHERE from_unixtime(starttime) >= TIMESTAMP '{ts}' AND from_unixtime(starttime) < TIMESTAMP '{ts}' + INTERVAL '1' HOUR "
         f"AND destinationport IN (3333, 4444, 14444, 45700) GROUP BY 1, 2, 3 ORDER BY b DESC, 1, 2, 3",
         f"SELECT sourceaddress, destinationaddress, destinationport, sum(numbytes) AS b FROM vpcflow "
         f"WHERE to_timestamp(starttime) AT TIME ZONE 'UTC' >= TIMESTAMP '{ts}' AND to_timestamp(starttime) AT TIME ZONE 'UTC' < TIMESTAMP '{ts}' + INTERVAL 1 HOUR "
         f"AND destinationport IN (3333, 4444, 14444, 45700) GROUP BY 1, 2, 3 ORDER BY b DESC, 1, 2, 3", True),
        ("WITH top talkers", "full", "WITH t AS (SELECT sourceaddress, sum(numbytes) AS b FROM vpcflow GROUP BY sourceaddress) "
         "SELECT * FROM t ORDER BY b DESC LIMIT 10", None, True),
        # Fan-out hunts: the sources that reach the most distinct ports (a scan), as a DISTINCT
        # aggregate and as the subquery many analysts write.
        ("port fan-out (count DISTINCT)", "full", "SELECT sourceaddress, count(DISTINCT destinationport) AS ports FROM vpcflow "
         "GROUP BY sourceaddress ORDER BY ports DESC, sourceaddress LIMIT 10", None, True),
        ("port fan-out (DISTINCT subquery)", "full", "SELECT sourceaddress, count(*) AS ports FROM (SELECT DISTINCT sourceaddress, "
         "destinationport FROM vpcflow) t GROUP BY sourceaddress ORDER BY ports DESC, sourceaddress LIMIT 10", None, True),
        # Everyday summaries: keys of few values (a dense count per block), and a filter on a
        # text column read with two more columns.
        ("action x protocol", "full", "SELECT action, protocol, count(*) AS n, sum(numbytes) AS b FROM vpcflow "
         "GROUP BY 1, 2 ORDER BY 1, 2", None, True),
        ("REJECTs per interface", "full", "SELECT interfaceid, sum(numpackets) AS p FROM vpcflow WHERE action = 'REJECT' "
         "GROUP BY 1 ORDER BY p DESC, 1 LIMIT 10", None, True),
        # An OR across two columns (each side a column kernel; before, such a WHERE was evaluated
        # row by row).
        ("REJECT or SSH (OR of columns)", "full", "SELECT protocol, count(*) AS n FROM vpcflow WHERE action = 'REJECT' "
         "OR destinationport = 22 GROUP BY 1 ORDER BY 1", None, True),
        # The latest flows (ORDER BY a time DESC LIMIT, no aggregate), and a SYN scan by TCP
        # flags (SYN without ACK: bitwise tests in WHERE).
        ("latest flows (ORDER BY ... LIMIT)", "full", "SELECT starttime, sourceaddress, destinationaddress, destinationport, numbytes "
         "FROM vpcflow ORDER BY starttime DESC, 2, 3, 4, 5 LIMIT 100", None, True),
        ("SYN without ACK (bitwise)", "full", "SELECT sourceaddress, count(*) AS n FROM flows WHERE bitwise_and(tcp_flags, 2) <> 0 "
         "AND bitwise_and(tcp_flags, 16) = 0 GROUP BY 1 ORDER BY n DESC, 1 LIMIT 10",
         "SELECT srcaddr AS sourceaddress, count(*) AS n FROM flows WHERE (tcp_flags & 2) <> 0 AND (tcp_flags & 16) = 0 "
         "GROUP BY 1 ORDER BY n DESC, 1 LIMIT 10", True),
    ]


# ----------------------------------------------------------------------------------------------
# Runs
# ----------------------------------------------------------------------------------------------

EXPLAIN = re.compile(r"scanned (\d+) of (\d+) blocks \((\d+) skipped by the indexes\)(?:, \d+ counted from their indexes)?"
                     r"(?:, \d+ pages counted or skipped by their min/max)?(?:, \d+ of \d+ segments skipped whole by the manifest)?"
                     r", (\d+) rows scanned.*?([\d.]+) ms")


def run_flowarc(flowarc, archive, sql, threads, check):
    r = ib.run_child([flowarc, "query", archive, sql, "--format", "csv", "--threads", str(threads), "--explain"])
    if r["rc"] != 0:
        sys.exit(f"flowarc query failed (exit {r['rc']}): {sql}\n{r['stderr'][-2000:]}")
    rows = list(csv.reader(r["stdout"].splitlines()))[1:]
    out = {"ms": r["wall"] * 1000, "rows": len(rows), "cpu": r["cpu"], "maxrss": r["maxrss"],
           "other_cores": r.get("other_cores")}
    m = EXPLAIN.search(r["stderr"])
    if m:
        out.update(blocks_scanned=int(m[1]), blocks=int(m[2]), blocks_skipped=int(m[3]),
                   rows_scanned=int(m[4]), self_ms=float(m[5]))
    else:
        out["explain"] = r["stderr"].strip().splitlines()[-3:]
    if check:
        out["digest"] = digest(rows, 1 if check == "sums" else 0)
        out["sample"] = rows[:5]
    return out


SESSION = re.compile(r"^scanned .*; ([\d.]+) ms with output$", re.M)
OPENED = re.compile(r"^archive: .* (?:opened|manifest read) in ([\d.]+) ms$", re.M)


def run_flowarc_session(flowarc, archive, sqls, threads, repeats):
    """All queries in one `flowarc query -f` process, as an analyst's script or session runs
    them: the archive is opened once, then a warm-up round and `repeats` timed rounds of every
    statement. Returns the open time and, per query, the statement times (parse to last CSV byte
    written, from --explain)."""
    script = os.path.join(WORK, ".session.sql")
    rounds = 1 + repeats
    with open(script, "w") as f:
        for _ in range(rounds):
            for sql in sqls:
                f.write(sql + ";\n")
    ib.wait_quiet(ib.QUIET_WAIT)
    with open(os.path.join(WORK, ".session.csv"), "wb") as out:
        p = subprocess.run([flowarc, "query", archive, "-f", script, "--format", "csv", "--threads", str(threads), "--explain"],
                           stdout=out, stderr=subprocess.PIPE)
    err = p.stderr.decode("utf-8", "replace")
    if p.returncode != 0:
        sys.exit(f"flowarc session failed (exit {p.returncode})\n{err[-2000:]}")
    times = [float(x) for x in SESSION.findall(err)]
    if len(times) != rounds * len(sqls):
        sys.exit(f"flowarc session: expected {rounds * len(sqls)} statement times, got {len(times)}")
    per_query = [[times[r * len(sqls) + q] for r in range(1, rounds)] for q in range(len(sqls))]
    return float(OPENED.search(err)[1]), per_query


def run_duckdb(db, sql, threads, check):
    sql_file = os.path.join(WORK, ".query.sql")
    with open(sql_file, "w") as f:
        f.write(sql)
    r = ib.run_child([sys.executable, os.path.abspath(__file__), "--duckdb-query", db, str(threads), sql_file,
                      "0" if not check else ("sums" if check == "sums" else "1")])
    if r["rc"] != 0:
        sys.exit(f"DuckDB query failed: {sql}\n{r['stderr'][-2000:]}")
    out = json.loads(r["stdout"].strip().splitlines()[-1])
    out.update(process_ms=r["wall"] * 1000, maxrss=r["maxrss"], other_cores=r.get("other_cores"))
    return out


def main():
    ap = argparse.ArgumentParser(description="flowarc query vs DuckDB on the same VPC flow logs.")
    ap.add_argument("--records", type=int, default=20 * M)
    ap.add_argument("--quick", action="store_true", help="2,000,000 records; results not written to RESULTS.md")
    ap.add_argument("--files", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--gzip-level", type=int, default=6)
    ap.add_argument("--threads", type=int, default=2, help="threads of both engines (default 2)")
    ap.add_argument("--repeats", type=int, default=3, help="timed runs per query and engine (default 3)")
    ap.add_argument("--quiet-wait", type=float, default=3.0, help="seconds each run may wait for an idle machine (default 3)")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--flowarc", help="path of a flowarc binary (implies --no-build)")
    ap.add_argument("--results", help="Markdown file to append to (default Benchmarks/RESULTS.md; none for --quick)")
    ap.add_argument("--duckdb-load", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--duckdb-query", nargs=4, help=argparse.SUPPRESS)
    ap.add_argument("--duckdb-session", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.duckdb_load:
        return duckdb_load_child(*args.duckdb_load)
    if args.duckdb_query:
        return duckdb_query_child(*args.duckdb_query)
    if args.duckdb_session:
        return duckdb_session_child(*args.duckdb_session)
    if args.quick and args.records == 20 * M:
        args.records = 2 * M
    ib.QUIET_WAIT = args.quiet_wait
    import duckdb

    flowarc = args.flowarc or (os.path.join(ROOT, ib.SCRATCH, "release", "flowarc") if args.no_build else ib.build())
    flowarc = os.path.abspath(flowarc)
    commit, flowarc_version = ib.provenance()
    data_dir, _ = ib.dataset(flowarc, args)
    name = os.path.basename(data_dir)
    archive, db = prepare(flowarc, data_dir, os.path.join(WORK, "query", name), args.threads)
    t, pool, rare, inet = parameters(db)
    ib.log(f"pool {pool}, rare {rare}, hour from {t}, inet extension {'loaded' if inet else 'not available'}")
    qs = queries(t, pool, rare, inet)

    date = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    la_start = ib.loadavg()
    results = []
    for qname, kind, fsql, dsql, compare in qs:
        dsql = dsql or fsql
        # Warm-up (untimed): fills the page cache and checks the answers.
        fw = run_flowarc(flowarc, archive, fsql, args.threads, compare)
        dw = run_duckdb(db, dsql, args.threads, compare)
        agree_rows = fw["rows"] == dw["rows"]
        agree = None
        if compare:
            agree = fw["digest"] == dw["digest"]
        f_runs, d_runs = [], []
        for _ in range(args.repeats):
            f_runs.append(run_flowarc(flowarc, archive, fsql, args.threads, False))
            d_runs.append(run_duckdb(db, dsql, args.threads, False))
        if any(r["rows"] != fw["rows"] for r in f_runs) or any(r["rows"] != dw["rows"] for r in d_runs):
            sys.exit(f"{qname}: row count changed between runs")
        x = {
            "name": qname, "kind": kind, "flowarc_sql": fsql, "duckdb_sql": dsql,
            "flowarc_ms": statistics.median(r["ms"] for r in f_runs),
            "flowarc_ms_range": (min(r["ms"] for r in f_runs), max(r["ms"] for r in f_runs)),
            "flowarc_self_ms": statistics.median(r.get("self_ms", float("nan")) for r in f_runs),
            "duckdb_ms": statistics.median(r["ms"] for r in d_runs),
            "duckdb_ms_range": (min(r["ms"] for r in d_runs), max(r["ms"] for r in d_runs)),
            "duckdb_process_ms": statistics.median(r["process_ms"] for r in d_runs),
            "blocks": fw.get("blocks"), "blocks_skipped": fw.get("blocks_skipped"),
            "blocks_scanned": fw.get("blocks_scanned"), "rows_scanned": fw.get("rows_scanned"),
            "flowarc_rows": fw["rows"], "duckdb_rows": dw["rows"], "rows_agree": agree_rows, "values_agree": agree,
            "flowarc_sample": fw.get("sample"), "duckdb_sample": dw.get("sample"),
            "other_cores_max": max((r.get("other_cores") or 0.0) for r in f_runs + d_runs),
            "explain": fw.get("explain"),
        }
        x["ratio"] = x["duckdb_ms"] / x["flowarc_ms"]
        results.append(x)
        ib.log(f"{qname:16} flowarc {x['flowarc_ms']:8.1f} ms  DuckDB {x['duckdb_ms']:8.1f} ms  ratio {x['ratio']:6.2f}  "
               f"skipped {x['blocks_skipped']}/{x['blocks']}  rows {fw['rows']}/{dw['rows']}  values {agree}")
        if not agree_rows or agree is False:
            ib.log(f"  DISAGREE: flowarc {fw.get('sample')} vs DuckDB {dw.get('sample')}")
    # The same queries in one flowarc process (archive opened once), as DuckDB's figures are
    # taken inside one already-started process.
    session_open_ms, session = run_flowarc_session(flowarc, archive, [q[2] for q in qs], args.threads, args.repeats)
    duck_connect_ms, duck_session = run_duckdb_session(db, [q[3] or q[2] for q in qs], args.threads, args.repeats)
    for x, times, dtimes in zip(results, session, duck_session):
        x["session_ms"] = statistics.median(times)
        x["session_ms_range"] = (min(times), max(times))
        x["duckdb_session_ms"] = statistics.median(dtimes)
        x["duckdb_session_ms_range"] = (min(dtimes), max(dtimes))
        x["session_ratio"] = x["duckdb_session_ms"] / x["session_ms"]
    ib.log(f"session: opened in {session_open_ms:.1f} ms; " + ", ".join(f"{x['session_ms']:.1f}" for x in results) + " ms")
    ib.log(f"DuckDB session: connected in {duck_connect_ms:.1f} ms; " + ", ".join(f"{x['duckdb_session_ms']:.1f}" for x in results) + " ms")
    la_end = ib.loadavg()

    mach = ib.machine()
    lines = []
    add = lines.append
    add(f"## Query: flowarc vs DuckDB, {args.records:,} v5 records ({date})")
    add("")
    add("Written by `python3 Benchmarks/query_bench.py` (see `Benchmarks/README.md`).")
    add("")
    add("| | |")
    add("|---|---|")
    add(f"| date (UTC) | {date} |")
    add(f"| machine | {mach['cpu_model']}, nproc {mach['nproc']}, {mach['memory']} RAM, Linux {mach['kernel']} |")
    add(f"| flowarc | {flowarc_version} (`swift build -c release`, {mach['swift']}) |")
    add(f"| DuckDB | {duckdb.__version__} (Python package; Python {mach['python']}) |")
    add(f"| data | `{name}` (ingest_bench's data set): flowarc archive from `flowarc ingest`, DuckDB native table from "
        f"`read_csv` with Athena types + view `vpcflow` with the bootstrap names |")
    add(f"| load average (1/5/15 min) | start {' / '.join(f'{v:.2f}' for v in la_start)}, end {' / '.join(f'{v:.2f}' for v in la_end)} |")
    add(f"| method | {args.threads} threads in both engines; per query one untimed warm-up run of each (also the correctness check), "
        f"then {args.repeats} timed runs interleaved, median; every run a child process of its own, waiting up to "
        f"{args.quiet_wait:g} s for an idle machine. flowarc: wall clock of the whole `flowarc query … --format csv "
        f"--threads {args.threads} --explain` process (CSV to a file). DuckDB: timed inside its Python child "
        f"(connect read-only + SET threads + execute + fetchall), i.e. without Python start-up and `import duckdb` |")
    add("")
    add("| # | query | kind | flowarc ms (min–max) | DuckDB ms (min–max) | **DuckDB ÷ flowarc** | flowarc blocks skipped / total | rows (flowarc / DuckDB) | values equal | target | met |")
    add("|---:|---|---|---:|---:|---:|---:|---:|---|---|---|")
    for i, x in enumerate(results, 1):
        need = 2 if x["kind"] == "full" else 10
        tgt = f"≥ {need}×" + (" and < 1 s" if x["name"] == "seed query" else "")
        met = x["ratio"] >= need and (x["name"] != "seed query" or x["flowarc_ms"] < 1000)
        ve = {True: "yes", False: "**no**", None: "counts only"}[x["values_agree"]]
        if x["name"] == "bytes per hour" and x["values_agree"] is not None:
            ve = "sums " + ("yes" if x["values_agree"] else "**no**")
        rows = f"{x['flowarc_rows']:,} / {x['duckdb_rows']:,}" + ("" if x["rows_agree"] else " **differ**")
        add(f"| {i} | {x['name']} | {x['kind']} | {x['flowarc_ms']:.0f} ({x['flowarc_ms_range'][0]:.0f}–{x['flowarc_ms_range'][1]:.0f}) | "
            f"{x['duckdb_ms']:.0f} ({x['duckdb_ms_range'][0]:.0f}–{x['duckdb_ms_range'][1]:.0f}) | **{x['ratio']:.2f}×** | "
            f"{x['blocks_skipped']} / {x['blocks']} | {rows} | {ve} | {tgt} | {'met' if met else '**not met**'} |")
    add("")
    add("**In one session (warm, like for like).** The table above compares a cold start of each engine per query: "
        "flowarc's time includes starting the process and opening the archive, DuckDB's its connect and a first query "
        "on a fresh connection (but not Python's start-up). Analysts mostly run several queries on data already open, "
        "so the same queries also run as one session in each engine: one `flowarc query ARCHIVE -f script.sql --explain` "
        f"process (its manifest read once, in {session_open_ms:.1f} ms; each segment opened once, by the first statement that reads it) and one DuckDB connection "
        f"(connected in {duck_connect_ms:.1f} ms), each running a warm-up round and then {args.repeats} timed rounds of "
        "every query. flowarc's statements are timed by flowarc from parsing to the last CSV byte written, DuckDB's "
        "from `execute` to the last row fetched. Both keep what they cached between statements (flowarc: the mapped "
        "segments and decoded block indexes; DuckDB: its buffer pool).")
    add("")
    add("| # | query | flowarc ms in a session (min–max) | DuckDB ms in a session (min–max) | **DuckDB ÷ flowarc** | target | met |")
    add("|---:|---|---:|---:|---:|---|---|")
    for i, x in enumerate(results, 1):
        need = 2 if x["kind"] == "full" else 10
        met = x["session_ratio"] >= need and (x["name"] != "seed query" or x["session_ms"] < 1000)
        add(f"| {i} | {x['name']} | {x['session_ms']:.1f} ({x['session_ms_range'][0]:.1f}–{x['session_ms_range'][1]:.1f}) | "
            f"{x['duckdb_session_ms']:.1f} ({x['duckdb_session_ms_range'][0]:.1f}–{x['duckdb_session_ms_range'][1]:.1f}) | "
            f"**{x['session_ratio']:.2f}×** | ≥ {need}×" + (" and < 1 s" if x["name"] == "seed query" else "")
            + f" | {'met' if met else '**not met**'} |")
    add("")
    add("Queries (flowarc SQL; DuckDB runs the same text on the view unless noted):")
    add("")
    for i, x in enumerate(results, 1):
        add(f"{i}. `{x['flowarc_sql']}`" + ("" if x["duckdb_sql"] == x["flowarc_sql"] else f"  \n   DuckDB: `{x['duckdb_sql']}`"))
    add("")
    add("Notes:")
    add("")
    add(f"- Query 4's address {pool[0]} is a mining pool of the generated incident (a public destination of the stratum "
        f"ports; {pool[1]:,} records); query 5's {rare[0]} is a rare IPv4 destination ({rare[1]:,} records). Both picked with DuckDB.")
    add(f"- Query 7's window starts at min(starttime) + 86400 = {t}.")
    add(f"- Query 8 in DuckDB: {'the inet extension (`CAST(destinationaddress AS INET) <<= ' + repr('52.216.0.0/15') + '::INET`)' if inet else 'inet did not load offline, so `LIKE ' + repr('52.216.%') + ' OR LIKE ' + repr('52.217.%') + '` (equivalent for a /15 on a dotted-quad string)'}.")
    add("- Query 3 compares the row counts and the sorted sums, not the hour column (the engines print timestamps differently). DuckDB's `to_timestamp` gives a "
        "TIMESTAMPTZ, whose fetch needs pytz (not installed): `AT TIME ZONE 'UTC'` makes it a plain UTC TIMESTAMP.")
    add("- flowarc's time includes process start, opening the archive and writing CSV; DuckDB's excludes Python start-up "
        f"and the import (its whole-child medians were " + ", ".join(f"{x['duckdb_process_ms']:.0f}" for x in results) + " ms). "
        "flowarc's own `--explain` times (medians): " + ", ".join(f"{x['flowarc_self_ms']:.0f}" for x in results) + " ms.")
    worst = max(x["other_cores_max"] for x in results)
    add(f"- The most CPU the rest of the machine used during any timed run: {worst:.2f} cores (of {mach['nproc']}).")
    add("")
    text = "\n".join(lines)
    print(text)

    os.makedirs(ib.RESULTS_DIR, exist_ok=True)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    with open(os.path.join(ib.RESULTS_DIR, f"query-{stamp}-{args.records}.json"), "w") as f:
        json.dump({"date": date, "commit": commit, "flowarc": flowarc_version, "session_open_ms": session_open_ms,
                   "results": results}, f, indent=1, default=str)
    out = args.results or (None if args.quick else os.path.join(HERE, "RESULTS.md"))
    if out:
        old = open(out).read() if os.path.exists(out) else "# Benchmark results\n\n"
        # Replace an earlier query section (it runs to the next "## " heading or the end).
        old = re.sub(r"\n## Query: flowarc vs DuckDB.*?(?=\n## |\Z)", "\n", old, flags=re.S).rstrip("\n")
        with open(out, "w") as f:
            f.write(old + "\n\n" + text + "\n")
        ib.log(f"wrote {os.path.abspath(out)}")


if __name__ == "__main__":
    main()
