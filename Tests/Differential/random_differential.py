#!/usr/bin/env python3
"""Seeded random differential test: flowarc's answers against DuckDB's over the same raw logs.

Usage: random_differential.py FLOWARC_BINARY ARCHIVE LOGS_DIR SEED COUNT

Generates COUNT random queries (deterministic for SEED) of the shapes flowarc supports:
projections with expressions and aliases, DISTINCT, WHERE with AND/OR/NOT, comparisons, BETWEEN,
IN, [NOT] LIKE (on text and address columns), IS [NOT] NULL, contains('cidr', CAST(x AS
IPADDRESS)) with IPv4 and IPv6 CIDRs, time functions, CASE; aggregates without GROUP BY; GROUP BY
1-3 keys with HAVING; count(*)/count(x)/count(DISTINCT x)/sum/min/max/avg; ORDER BY ... LIMIT
where the order is total; a grouped subquery in FROM; a join of the archive with a grouped
subquery; IN (SELECT ...) and scalar subqueries; Trino's text functions (lower, coalesce, length,
substr, split_part, strpos, replace, ||), time fields (hour, day_of_week, week, date_diff, ...) and
DATE (date(ts), CAST AS DATE, date literals and text compared with dates),
predicates through them and regexp_like (also as terms of the top-level AND, the column kernels' shape), windows
in timestamps with INTERVALs, count_if and sums of CASE, and WITH queries read by the body (a
filter grouped by it; groups filtered, ordered and cut by it). Each query is written twice: in Athena's (Trino's)
dialect for flowarc, and in DuckDB's, translated the way Tests/CLITests/DifferentialTests.swift
translates (integer division as //, from_unixtime/date_trunc/date_format/format_datetime through make_timestamp
and strftime with flowarc's timestamp text, NULLS LAST as Trino's default, contains() as a range
test on the addresses' 128-bit values, which DuckDB's core lacks).

The generator stays inside Trino semantics where flowarc deliberately differs (README, "Where
flowarc differs from Athena"): no arithmetic that could overflow a 32-bit integer, no decimal
literals, only canonical address text.

The logs are loaded into DuckDB once (as Tests/Differential/duckdb_reference.py loads them, with
Athena's types and all three column naming schemes); flowarc runs once per query
(`FLOWARC query ARCHIVE SQL --format csv --threads N`). Results are compared exactly: as ordered
lists where ORDER BY fixes the order, else as multisets; doubles to a relative 1e-9. A query both
engines reject counts as agreeing; one rejecting it and not the other is a mismatch.

Prints each mismatch and a summary line. Exit status 0 if every query agrees, 1 if any does not,
2 on a harness error (bad arguments, logs that do not load, a flowarc that cannot answer a
trivial query).
"""
import concurrent.futures
import csv
import io
import ipaddress
import math
import os
import random
import subprocess
import sys
import tempfile
import time
import traceback

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from duckdb_reference import load_raw, view_columns  # noqa: E402  (one definition of the table)

import duckdb  # noqa: E402

# ---------------------------------------------------------------------------------------------
# DuckDB session

# Address fields: (AWS field name, canonical column name used by the generator).
ADDRESS_FIELDS = [("srcaddr", "srcaddr"), ("dstaddr", "dstaddr"), ("pkt-srcaddr", "pktsrcaddr"), ("pkt-dstaddr", "pktdstaddr")]


def address_value(text):
    """(IP version, 128-bit value) of an address as Trino's IPADDRESS holds it (IPv4-mapped is IPv4)."""
    ip = ipaddress.ip_address(text)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.version, int(ip)


def load_duckdb(logs):
    """The raw logs as table `vpcflow`, columns under every naming scheme, plus `<addr>__v` and
    `<addr>__n` (IP version and value) for each address column, for contains()."""
    con = duckdb.connect()
    con.execute("SET threads = 2")
    load_raw(con, logs)
    names = view_columns(qualifier="raw.")
    # Every address's version and value, through a CSV file (no pandas or pyarrow needed).
    addrs = set()
    for field, _ in ADDRESS_FIELDS:
        addrs |= {r[0] for r in con.execute(f'SELECT DISTINCT "{field}" FROM raw WHERE "{field}" IS NOT NULL').fetchall()}
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as tf:
        for a in sorted(addrs):
            v, n = address_value(a)
            tf.write(f"{a},{v},{n}\n")
    try:
        con.execute(f"""CREATE TABLE amap AS SELECT * FROM read_csv('{tf.name}', header=false, auto_detect=false,
                        columns={{'a': 'VARCHAR', 'v': 'INTEGER', 'n': 'UHUGEINT'}})""")
    finally:
        os.unlink(tf.name)
    joins = []
    for i, (field, canon) in enumerate(ADDRESS_FIELDS):
        joins.append(f' LEFT JOIN amap m{i} ON m{i}.a = raw."{field}"')
        names.append(f'm{i}.v AS "{canon}__v", m{i}.n AS "{canon}__n"')
    con.execute("CREATE TABLE vpcflow AS SELECT " + ", ".join(names) + " FROM raw" + "".join(joins))
    con.execute("DROP TABLE raw")
    return con


# ---------------------------------------------------------------------------------------------
# Query generator

# Column groups: every name in a group is the same column (first name: the canonical one).
INT32 = [["version"], ["srcport", "sourceport"], ["dstport", "destinationport"], ["protocol"],
         ["tcpflags", "tcp_flags", '"tcp-flags"'], ["trafficpath", "traffic_path"]]
INT64 = [["packets", "numpackets"], ["bytes", "numbytes"], ["starttime", "start"], ["endtime"]]
TEXT = [["account", "account_id"], ["interfaceid", "interface_id"], ["action"], ["logstatus", "log_status"],
        ["vpcid", "vpc_id"], ["subnetid", "subnet_id"], ["instanceid", "instance_id"], ["type"], ["region"],
        ["azid", "az_id"], ["sublocationtype"], ["sublocationid"], ["pktsrcawsservice"],
        ["pktdstawsservice", "pkt_dst_aws_service"], ["flowdirection", "flow_direction", '"flow-direction"'],
        ["date_partition"], ["region_partition"], ["account_partition"]]
ADDR = [["srcaddr", "sourceaddress"], ["dstaddr", "destinationaddress"], ["pktsrcaddr", "pkt_srcaddr", '"pkt-srcaddr"'],
        ["pktdstaddr", "pkt_dstaddr", '"pkt-dstaddr"']]
POOLS = {"int32": INT32, "int64": INT64, "text": TEXT, "addr": ADDR}
BIG = ("packets", "bytes", "starttime", "endtime")  # int64 columns: multiplied by small constants only

FIXED_CIDRS = ["0.0.0.0/0", "::/0", "10.0.0.0/8", "10.0.0.0/16", "172.16.0.0/12", "192.168.0.0/16", "8.8.8.8/32",
               "0.0.0.0/1", "128.0.0.0/1", "::/1", "8000::/1", "2000::/3", "2001:4860::/32", "2600:1f18::/32",
               "::/64", "::/96", "fe80::/10"]
DATE_FORMATS = ["%Y-%m-%d", "%H", "%Y-%m-%d %H:%i", "%H:%i:%s", "%Y%m%d", "%Y-%m-%d %H:00"]
# format_datetime's Joda-Time patterns and the strftime formats DuckDB prints the same text with.
JODA_FORMATS = [("yyyy-MM-dd HH", "%Y-%m-%d %H"), ("yyyy-MM-dd HH:mm:ss", "%Y-%m-%d %H:%M:%S"),
                ("EEE dd MMM yyyy", "%a %d %b %Y"), ("hh a", "%I %p"), ("EEEE, MMMM d", "%A, %B %-d"),
                ("M/d/yy H:mm", "%-m/%-d/%y %-H:%M"), ("yyyy-MM-dd''T''HH:mm:ss.SSSZ", "%Y-%m-%dT%H:%M:%S.000+0000")]


class E:
    """An expression in both dialects: t (Trino, for flowarc), d (DuckDB), ty its type."""

    def __init__(self, t, d, ty):
        self.t, self.d, self.ty = t, d, ty


def quote(s):
    return "'" + s.replace("'", "''") + "'"


def lit(n):
    return f"({n})" if n < 0 else str(n)


class Generator:
    def __init__(self, rng, samples, tmin, tmax, cidrs):
        self.r = rng
        self.v = samples  # canonical column name -> sorted sample of its non-NULL values
        self.tmin, self.tmax = tmin, tmax
        self.cidrs = cidrs
        self.subquery_ok = True

    # ----- columns and values
    def col(self, kind, q=""):
        """A column of the kind under a random one of its names; q qualifies it ("v.")."""
        group = self.r.choice(POOLS[kind])
        name = self.r.choice(group)
        return E(q + name, q + name, kind), group[0]

    def numconst(self, canon):
        r = self.r
        vals = self.v.get(canon) or [0]
        x = r.random()
        if x < 0.6:
            return r.choice(vals) + r.choice([0, 0, 0, 1, -1])
        if x < 0.85:
            return r.choice([0, 1, -1, 2, 6, 17, 53, 80, 443, 1024, 3333, 65535, 100000, 2147483647])
        return r.randint(-10, 10 ** r.randint(1, 12))

    def strconst(self, canon, kind):
        r = self.r
        vals = self.v.get(canon) or ["x"]
        if r.random() < 0.85:
            return r.choice(vals)
        if kind == "addr":  # canonical address text only (README: non-canonical text is a deviation)
            return r.choice(["10.0.0.1", "8.8.8.8", "::1", "0.0.0.0", "2600:1f18::1"])
        return r.choice(["", "zzz", "ACCEPT", "ok", "A"])

    def like_pattern(self, canon, kind):
        r = self.r
        s = r.choice(self.v.get(canon) or ["x"])
        x = r.random()
        if kind == "addr" and x < 0.4:
            return r.choice(["10.%", "10.0.%", "172.%", "192.168.%", "52.%", "%::%", "2600:%", "2001:4860:%",
                             "%.1", "_0.%", "%:%", "1%", "%.%.%.1_", "10.0._.%", "%1", "__.%", "%"])
        if x < 0.65:
            return s[:r.randint(0, len(s))] + "%"
        if x < 0.85:
            return "%" + s[r.randint(0, len(s)):]
        i = r.randint(0, max(0, len(s) - 1))
        return s[:i] + "_" + s[i + 1:]

    # ----- value expressions
    def num_expr(self, q=""):
        """An integer expression; never one that could overflow a 32-bit integer."""
        r = self.r
        kind = r.choice(["int32", "int64"])
        e, canon = self.col(kind, q)
        x = r.random()
        if x < 0.5:
            return e, canon
        if x < 0.65:
            op = r.choice(["+", "-", "*"])
            k = r.randint(1, 9) if (op == "*" and canon in BIG) else r.randint(1, 1000)
            return E(f"({e.t} {op} {k})", f"({e.d} {op} {k})", kind), canon
        if x < 0.72:
            k = r.randint(1, 100)
            return E(f"({e.t} / {k})", f"({e.d} // {k})", kind), None
        if x < 0.80:
            k = r.randint(2, 100)
            return E(f"({e.t} % {k})", f"({e.d} % {k})", kind), None
        if x < 0.84:
            k = r.randint(2, 100)
            return E(f"(-{e.t} % {k})", f"((-{e.d}) % {k})", kind), None
        if x < 0.92:
            return E(f"({q}endtime - {q}starttime)", f"({q}endtime - {q}starttime)", "int64"), "dur"
        e2, c2 = self.col(r.choice(["int32", "int64"]), q)
        op = r.choice(["+", "-"])  # no column * column: Trino's integer would overflow where flowarc's bigint does not
        return E(f"({e.t} {op} {e2.t})", f"({e.d} {op} {e2.d})", "int64"), None

    def time_expr(self, q=""):
        """from_unixtime, date_trunc of it (timestamps, printed as flowarc prints them) or date_format."""
        r = self.r
        c = q + r.choice(["starttime", "endtime", "start"])
        ts = f"make_timestamp({c} * 1000000)"
        x = r.random()
        if x < 0.25:
            return E(f"from_unixtime({c})", f"(strftime({ts}, '%Y-%m-%d %H:%M:%S') || '.000')", "ts")
        if x < 0.6:
            u = r.choice(["hour", "day", "minute"])
            return E(f"date_trunc('{u}', from_unixtime({c}))",
                     f"(strftime(date_trunc('{u}', {ts}), '%Y-%m-%d %H:%M:%S') || '.000')", "ts")
        if r.random() < 0.25:
            # Trino's format_datetime (Joda patterns) and to_iso8601.
            if r.random() < 0.3:
                return E(f"to_iso8601(from_unixtime({c}))", f"strftime({ts}, '%Y-%m-%dT%H:%M:%S.000Z')", "text")
            j, jd = r.choice(JODA_FORMATS)
            return E(f"format_datetime(from_unixtime({c}), '{j}')", f"strftime({ts}, '{jd}')", "text")
        f = r.choice(DATE_FORMATS)
        fd = f.replace("%i", "%M").replace("%s", "%S")
        if r.random() < 0.3:
            u = r.choice(["hour", "day"])
            return E(f"date_format(date_trunc('{u}', from_unixtime({c})), '{f}')",
                     f"strftime(date_trunc('{u}', {ts}), '{fd}')", "text")
        return E(f"date_format(from_unixtime({c}), '{f}')", f"strftime({ts}, '{fd}')", "text")

    def text_fn(self, q=""):
        """Trino's text functions over a text or address column (DuckDB: the same, or spelled
        its way: split_part past the last field is NULL in Trino, '' in DuckDB)."""
        r = self.r
        kind = "text" if r.random() < 0.7 else "addr"
        e, canon = self.col(kind, q)
        x = r.random()
        if x < 0.12:
            f = r.choice(["lower", "upper", "trim"])
            return E(f"{f}({e.t})", f"{f}({e.d})", "text")
        if x < 0.24:
            c = quote(r.choice(["none", "-", ""] + [self.strconst(canon, kind)]))
            return E(f"coalesce({e.t}, {c})", f"coalesce({e.d}, {c})", "text")
        if x < 0.34:
            return E(f"length({e.t})", f"length({e.d})", "int64")
        if x < 0.46:
            k, n = r.randint(1, 8), r.randint(1, 12)
            return E(f"substr({e.t}, {k}, {n})", f"substr({e.d}, {k}, {n})", "text")
        if x < 0.6:
            d = quote(r.choice(["-", ".", ":", "0"]))
            k = r.randint(1, 4)
            return E(f"split_part({e.t}, {d}, {k})",
                     f"CASE WHEN len(string_split({e.d}, {d})) >= {k} THEN split_part({e.d}, {d}, {k}) END", "text")
        if x < 0.7:
            c = quote(r.choice(["-", ".", "0", "a", "1", "zz"]))
            return E(f"strpos({e.t}, {c})", f"strpos({e.d}, {c})", "int64")
        if x < 0.8:
            a, b = r.choice([("-", ""), (".", ":"), ("0", "o"), ("eni", "ENI")])
            return E(f"replace({e.t}, '{a}', '{b}')", f"replace({e.d}, '{a}', '{b}')", "text")
        if x < 0.9:
            # Regular expressions whose matches are never empty (RE2 and Java step past empty
            # matches differently); a group that always takes part when the pattern matches.
            p, g = r.choice([("[0-9]+", 0), ("([a-z]+)-([0-9a-f]{2})", 2), ("(\\d+)\\.(\\d+)", 1), ("[a-f]{2,}", 0),
                             ("^([^.:-]+)", 1), ("(ACCEPT|REJECT|OK)", 1), ("[.:]([0-9a-f]+)$", 1)])
            y = r.random()
            if y < 0.45:
                return E(f"regexp_extract({e.t}, '{p}', {g})",
                         f"CASE WHEN regexp_matches({e.d}, '{p}') THEN regexp_extract({e.d}, '{p}', {g}) END", "text")
            if y < 0.8:
                rt, rd = r.choice([("<$0>", "<\\0>"), ("x", "x"), ("", ""), ("$1/", "\\1/")] if "(" in p else [("<$0>", "<\\0>"), ("x", "x"), ("", "")])
                return E(f"regexp_replace({e.t}, '{p}', '{rt}')", f"regexp_replace({e.d}, '{p}', '{rd}', 'g')", "text")
            return E(f"regexp_count({e.t}, '{p}')", f"len(regexp_extract_all({e.d}, '{p}'))", "int64")
        e2, _ = self.col(r.choice(["text", "addr"]), q)
        return E(f"({e.t} || '/' || {e2.t})", f"({e.d} || '/' || {e2.d})", "text")

    def time_field(self, q=""):
        """hour(...), day_of_week(...), date_diff(...) of from_unixtime (DuckDB: make_timestamp)."""
        r = self.r
        c = q + r.choice(["starttime", "endtime", "start"])
        ts = f"make_timestamp({c} * 1000000)"
        fields = [("hour", "hour"), ("minute", "minute"), ("second", "second"), ("day", "day"), ("month", "month"),
                  ("year", "year"), ("day_of_week", "isodow"), ("dow", "isodow"), ("day_of_year", "dayofyear"),
                  ("week", "week"), ("quarter", "quarter")]
        x = r.random()
        if x < 0.15:
            if r.random() < 0.5:
                return E(f"date(from_unixtime({c}))", f"CAST({ts} AS DATE)", "date")
            return E(f"CAST(from_unixtime({c}) AS DATE)", f"CAST({ts} AS DATE)", "date")
        if x < 0.8:
            ft, fd = r.choice(fields)
            return E(f"{ft}(from_unixtime({c}))", f"{fd}({ts})", "int64")
        u = r.choice(["second", "minute", "hour"])
        return E(f"date_diff('{u}', from_unixtime({q}starttime), from_unixtime({q}endtime))",
                 f"date_sub('{u}', make_timestamp({q}starttime * 1000000), make_timestamp({q}endtime * 1000000))", "int64")

    def scalar_expr(self, q=""):
        r = self.r
        x = r.random()
        if x < 0.1:
            return self.text_fn(q)
        if x < 0.16:
            return self.time_field(q)
        if x < 0.35:
            return self.num_expr(q)[0]
        if x < 0.6:
            return self.col("text", q)[0]
        if x < 0.8:
            return self.col("addr", q)[0]
        if x < 0.92:
            return self.time_expr(q)
        p = self.pred(2, q)
        a, b = r.sample(["a", "b", "big", "small", "x"], 2)
        if r.random() < 0.5:
            return E(f"CASE WHEN {p.t} THEN '{a}' ELSE '{b}' END", f"CASE WHEN {p.d} THEN '{a}' ELSE '{b}' END", "text")
        return E(f"CASE WHEN {p.t} THEN '{a}' END", f"CASE WHEN {p.d} THEN '{a}' END", "text")

    # ----- predicates
    def contains(self, q=""):
        e, canon = self.col("addr", q)
        if self.r.random() < 0.3:
            return self.ip_compare(e, canon, q)
        cidr = self.r.choice(self.cidrs)
        net = ipaddress.ip_network(cidr)
        lo, hi = int(net.network_address), int(net.broadcast_address)
        # NULL for a NULL address; false for the other IP version (Trino since trinodb/trino#18497).
        d = f'({q}"{canon}__v" = {net.version} AND {q}"{canon}__n" BETWEEN {lo} AND {hi})'
        return E(f"contains('{cidr}', CAST({e.t} AS IPADDRESS))", d, "bool")

    def ip_compare(self, e, canon, q=""):
        """CAST(x AS IPADDRESS) compared with IPADDRESS literals (BETWEEN, <, >=, ...), in Trino's
        order: every IPv4 address is ::ffff:a.b.c.d, below most IPv6 ones."""
        r = self.r
        def order(text):
            v, n = address_value(text)
            return n + 0xFFFF00000000 if v == 4 else n
        pool = self.v["srcaddr"] + self.v["dstaddr"]
        a, b = sorted(r.sample(pool, 2), key=order)
        key = f'(CASE WHEN {q}"{canon}__v" = 4 THEN {q}"{canon}__n" + {0xFFFF00000000} ELSE {q}"{canon}__n" END)'
        x = f"CAST({e.t} AS IPADDRESS)"
        if r.random() < 0.5:
            nb = "NOT " if r.random() < 0.25 else ""
            return E(f"{x} {nb}BETWEEN IPADDRESS '{a}' AND IPADDRESS '{b}'", f"{key} {nb}BETWEEN {order(a)} AND {order(b)}", "bool")
        op = r.choice(["<", "<=", ">", ">=", "=", "<>"])
        return E(f"{x} {op} IPADDRESS '{a}'", f"{key} {op} {order(a)}", "bool")

    def subquery_atom(self, q):
        r = self.r
        self.subquery_ok = False
        try:
            p = self.pred(2)
            if r.random() < 0.6:
                kind = r.choice(["int32", "int64", "text", "addr", "addr"])
                e, _ = self.col(kind, q)
                e2, _ = self.col(kind)
                ni = "NOT " if r.random() < 0.4 else ""
                dist = "DISTINCT " if r.random() < 0.3 else ""
                return E(f"{e.t} {ni}IN (SELECT {dist}{e2.t} FROM vpcflow WHERE {p.t})",
                         f"{e.d} {ni}IN (SELECT {dist}{e2.d} FROM vpcflow WHERE {p.d})", "bool")
            e, _ = self.num_expr(q)
            e2, _ = self.num_expr()
            f = r.choice(["max", "min", "avg", "count", "sum"])
            op = r.choice(["<", ">", "=", ">=", "<>"])
            return E(f"{e.t} {op} (SELECT {f}({e2.t}) FROM vpcflow WHERE {p.t})",
                     f"{e.d} {op} (SELECT {f}({e2.d}) FROM vpcflow WHERE {p.d})", "bool")
        finally:
            self.subquery_ok = True

    def fn_atom(self, q=""):
        """Predicates through functions: of one text column (decided per dictionary code), and
        windows in timestamps with INTERVALs (run as ranges of seconds)."""
        r = self.r
        x = r.random()
        if x < 0.5:
            e, canon = self.col("text", q)
            y = r.random()
            if y < 0.3:
                v = self.strconst(canon, "text").lower()
                op = r.choice(["=", "<>"])
                return E(f"lower({e.t}) {op} {quote(v)}", f"lower({e.d}) {op} {quote(v)}", "bool")
            if y < 0.55:
                op = r.choice(["=", "<>"])
                return E(f"coalesce({e.t}, 'none') {op} 'none'", f"coalesce({e.d}, 'none') {op} 'none'", "bool")
            if y < 0.65:
                k = r.randint(0, 25)
                return E(f"length({e.t}) > {k}", f"length({e.d}) > {k}", "bool")
            if y < 0.75:
                pat = r.choice(["^eni-0", "[0-9a-f]{3}$", "(?i)accept", "^i-0[0-9]", "us-east-1[a-f]?", "\\d{4}",
                                "^(OK|NODATA)$", "vpc-[0-9a-f]+", "^[A-Z]+$", "(?:ss|gr)ess$", "[.]", "\\.", "^$"])
                nt = "NOT " if r.random() < 0.3 else ""
                return E(f"{nt}regexp_like({e.t}, '{pat}')", f"{nt}regexp_matches({e.d}, '{pat}')", "bool")
            v = self.strconst(canon, "text")
            pre = quote(v[:r.randint(0, len(v))])
            nt = "NOT " if r.random() < 0.3 else ""
            return E(f"{nt}starts_with({e.t}, {pre})", f"{nt}starts_with({e.d}, {pre})", "bool")
        c = q + r.choice(["starttime", "endtime", "start"])
        t = r.randint(self.tmin - 3600, self.tmax + 3600)
        if r.random() < 0.25:
            # The day of a timestamp against a date (a range of seconds to the indexes).
            d = time.strftime("%Y-%m-%d", time.gmtime(t + r.choice([-86400, 0, 0, 86400])))
            op = r.choice(["<", ">=", ">", "<=", "=", "<>"])
            lit_t = r.choice([f"DATE '{d}'", f"'{d}'", f"DATE '{d}' - INTERVAL '1' DAY"])
            lit_d = lit_t if lit_t.startswith("DATE") else f"DATE {lit_t}"
            return E(f"date(from_unixtime({c})) {op} {lit_t}", f"CAST(make_timestamp({c} * 1000000) AS DATE) {op} {lit_d}", "bool")
        s = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t))
        n, unit, secs = r.choice([(1, "HOUR", 3600), (90, "MINUTE", 60), (1, "DAY", 86400), (30, "SECOND", 1), (2, "HOUR", 3600)])
        sign = r.choice(["+", "-"])
        bound = t + (n * secs if sign == "+" else -n * secs)
        sb = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(bound))
        ts = f"(strftime(make_timestamp({c} * 1000000), '%Y-%m-%d %H:%M:%S') || '.000')"
        if r.random() < 0.3:
            lo, hi = sorted([s, sb])
            nb = "NOT " if r.random() < 0.2 else ""
            return E(f"{nb}(from_unixtime({c}) BETWEEN TIMESTAMP '{lo}' AND TIMESTAMP '{hi}')",
                     f"{nb}({ts} BETWEEN '{lo}.000' AND '{hi}.000')", "bool")
        op = r.choice(["<", ">=", ">", "<=", "="])
        return E(f"from_unixtime({c}) {op} TIMESTAMP '{s}' {sign} INTERVAL '{n}' {unit}", f"{ts} {op} '{sb}.000'", "bool")

    def atom(self, q=""):
        r = self.r
        x = r.random()
        if self.subquery_ok and x < 0.04:
            return self.subquery_atom(q)
        if x < 0.12:
            return self.fn_atom(q)
        if x < 0.35:
            e, canon = self.num_expr(q)
            y = r.random()
            if y < 0.45:
                op = r.choice(["=", "<>", "!=", "<", "<=", ">", ">="])
                c = lit(self.numconst(canon))
                if r.random() < 0.15:
                    return E(f"{c} {op} {e.t}", f"{c} {op} {e.d}", "bool")
                return E(f"{e.t} {op} {c}", f"{e.d} {op} {c}", "bool")
            if y < 0.65:
                a, b = sorted([self.numconst(canon), self.numconst(canon)])
                if r.random() < 0.1:
                    a, b = b, a
                nb = "NOT " if r.random() < 0.25 else ""
                s = f"{nb}BETWEEN {lit(a)} AND {lit(b)}"
                return E(f"{e.t} {s}", f"{e.d} {s}", "bool")
            if y < 0.85:
                cs = ", ".join(lit(self.numconst(canon)) if r.random() > 0.08 else "NULL" for _ in range(r.randint(1, 6)))
                ni = "NOT " if r.random() < 0.3 else ""
                return E(f"{e.t} {ni}IN ({cs})", f"{e.d} {ni}IN ({cs})", "bool")
            nn = "NOT " if r.random() < 0.5 else ""
            return E(f"{e.t} IS {nn}NULL", f"{e.d} IS {nn}NULL", "bool")
        if x < 0.62:
            kind = "text" if r.random() < 0.5 else "addr"
            e, canon = self.col(kind, q)
            y = r.random()
            if y < 0.3:
                op = r.choice(["=", "<>", "<", ">", "<=", ">="] if r.random() < 0.6 else ["=", "<>"])
                c = quote(self.strconst(canon, kind))
                return E(f"{e.t} {op} {c}", f"{e.d} {op} {c}", "bool")
            if y < 0.45:
                cs = ", ".join(quote(self.strconst(canon, kind)) if r.random() > 0.08 else "NULL" for _ in range(r.randint(1, 5)))
                ni = "NOT " if r.random() < 0.3 else ""
                return E(f"{e.t} {ni}IN ({cs})", f"{e.d} {ni}IN ({cs})", "bool")
            if y < 0.8:
                p = quote(self.like_pattern(canon, kind))
                nl = "NOT " if r.random() < 0.4 else ""
                return E(f"{e.t} {nl}LIKE {p}", f"{e.d} {nl}LIKE {p}", "bool")
            if y < 0.9:
                nn = "NOT " if r.random() < 0.5 else ""
                return E(f"{e.t} IS {nn}NULL", f"{e.d} IS {nn}NULL", "bool")
            e2, _ = self.col(kind, q)
            op = r.choice(["=", "<>", "<", ">"])
            return E(f"{e.t} {op} {e2.t}", f"{e.d} {op} {e2.d}", "bool")
        if x < 0.8:
            return self.contains(q)
        if x < 0.92:
            c = q + r.choice(["starttime", "endtime", "start"])
            a = r.randint(self.tmin - 3600, self.tmax + 3600)
            b = a + r.choice([60, 3600, 7200, 86400, 200000])
            if r.random() < 0.5:
                return E(f"{c} BETWEEN {a} AND {b}", f"{c} BETWEEN {a} AND {b}", "bool")
            op = r.choice(["<", ">=", ">", "<="])
            return E(f"{c} {op} {a}", f"{c} {op} {a}", "bool")
        e = self.time_expr(q)
        if e.ty != "ts":
            return self.contains(q)
        t = r.randint(self.tmin - 3600, self.tmax + 3600)
        s = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t))
        op = r.choice(["<", ">=", ">", "<=", "="])
        # The DuckDB side compares the fixed-width text, which orders as the timestamps do.
        return E(f"{e.t} {op} TIMESTAMP '{s}'", f"{e.d} {op} '{s}.000'", "bool")

    def pred(self, depth=0, q=""):
        r = self.r
        x = r.random()
        if depth >= 3 or x < 0.45:
            p = self.atom(q)
        elif x < 0.7:
            a, b = self.pred(depth + 1, q), self.pred(depth + 1, q)
            p = E(f"({a.t} AND {b.t})", f"({a.d} AND {b.d})", "bool")
        elif x < 0.9:
            a, b = self.pred(depth + 1, q), self.pred(depth + 1, q)
            p = E(f"({a.t} OR {b.t})", f"({a.d} OR {b.d})", "bool")
        else:
            a = self.pred(depth + 1, q)
            p = E(f"NOT ({a.t})", f"NOT ({a.d})", "bool")
        if r.random() < 0.06:
            p = E(f"NOT ({p.t})", f"NOT ({p.d})", "bool")
        return p

    # ----- aggregates
    def agg(self, q=""):
        r = self.r
        x = r.random()
        if x < 0.06:
            p = self.pred(2, q)
            return E(f"count_if({p.t})", f"count(CASE WHEN {p.d} THEN 1 END)", "int64")
        if x < 0.1:
            p = self.pred(2, q)
            e, _ = self.num_expr(q)
            k = r.choice(["0", "1", "NULL"])
            return E(f"sum(CASE WHEN {p.t} THEN {e.t} ELSE {k} END)", f"sum(CASE WHEN {p.d} THEN {e.d} ELSE {k} END)", "int64")
        if x < 0.15:
            return E("count(*)", "count(*)", "int64")
        if x < 0.3:
            e = self.scalar_expr(q)
            return E(f"count({e.t})", f"count({e.d})", "int64")
        if x < 0.40:
            e = self.scalar_expr(q)
            return E(f"count(DISTINCT {e.t})", f"count(DISTINCT {e.d})", "int64")
        if x < 0.42:
            e, _ = self.num_expr(q)
            if r.random() < 0.5:
                return E(f"sum(DISTINCT {e.t})", f"sum(DISTINCT {e.d})", "int64")
            return E(f"avg(DISTINCT {e.t})", f"avg(DISTINCT {e.d})", "double")
        if x < 0.62:
            e, _ = self.num_expr(q)
            return E(f"sum({e.t})", f"sum({e.d})", "int64")
        if x < 0.85:
            e = self.scalar_expr(q)
            f = r.choice(["min", "max"])
            return E(f"{f}({e.t})", f"{f}({e.d})", e.ty)
        e, _ = self.num_expr(q)
        return E(f"avg({e.t})", f"avg({e.d})", "double")

    # ----- clauses
    def where(self):
        if self.r.random() < 0.8:
            p = self.pred()
            if self.r.random() < 0.2:
                # A function predicate as a term of the top-level AND (the column kernels' shape).
                f = self.fn_atom()
                p = E(f"{f.t} AND {p.t}", f"{f.d} AND {p.d}", "bool")
            return f" WHERE {p.t}", f" WHERE {p.d}"
        return "", ""

    def table(self):
        return self.r.choice(["vpcflow", "vpcflow", "flows", '"irworkshopgluedatabase"."irworkshopgluetablevpcflow"'])

    def order_by(self, items):
        """ORDER BY every select item (so the order is total: ties are equal rows), each by ordinal,
        alias or expression, in a random order and direction; DuckDB gets Trino's NULLS LAST."""
        r = self.r
        idxs = list(range(len(items)))
        r.shuffle(idxs)
        pt, pd = [], []
        for i in idxs:
            alias, e = items[i]
            dirn = r.choice(["", " ASC", " DESC"])
            nulls = r.choice(["", "", " NULLS FIRST", " NULLS LAST"])
            how = r.random()
            if how < 0.4:
                rt = rd = str(i + 1)
            elif how < 0.7 and alias:
                rt = rd = alias
            else:
                rt, rd = e.t, e.d
            pt.append(f"{rt}{dirn}{nulls}")
            pd.append(f"{rd}{dirn}{nulls or ' NULLS LAST'}")
        return " ORDER BY " + ", ".join(pt), " ORDER BY " + ", ".join(pd)

    # ----- queries: (flowarc SQL, DuckDB SQL, ordered, shape)
    def projection(self, distinct):
        r = self.r
        wt, wd = self.where()
        items = []
        for i in range(r.randint(1, 4)):
            items.append((f"c{i}" if r.random() < 0.6 else None, self.scalar_expr()))
        st = ", ".join(e.t + (f" AS {a}" if a else "") for a, e in items)
        sd = ", ".join(e.d + (f" AS {a}" if a else "") for a, e in items)
        dist = "DISTINCT " if distinct else ""
        if distinct and r.random() < 0.35:
            return f"SELECT {dist}{st} FROM {self.table()}{wt}", f"SELECT {dist}{sd} FROM vpcflow{wd}", False, "distinct"
        ot, od = self.order_by(items)
        lim = f" LIMIT {r.choice([1, 5, 20, 100, 300])}"
        return (f"SELECT {dist}{st} FROM {self.table()}{wt}{ot}{lim}", f"SELECT {dist}{sd} FROM vpcflow{wd}{od}{lim}",
                True, "distinct" if distinct else "projection")

    def aggregate(self):
        wt, wd = self.where()
        items = [(f"a{i}", self.agg()) for i in range(self.r.randint(1, 4))]
        st = ", ".join(f"{e.t} AS {a}" for a, e in items)
        sd = ", ".join(f"{e.d} AS {a}" for a, e in items)
        return f"SELECT {st} FROM {self.table()}{wt}", f"SELECT {sd} FROM vpcflow{wd}", True, "aggregate"

    def group_key(self):
        r = self.r
        if r.random() < 0.6:
            kind = r.choice(["int32", "int64", "text", "text", "addr", "addr"])
            e, canon = self.col(kind)
            if canon in ("starttime", "endtime") and r.random() < 0.7:
                return self.time_expr()
            if canon == "bytes" and r.random() < 0.7:
                return E(f"({e.t} / 1000)", f"({e.d} // 1000)", "int64")
            return e
        return self.scalar_expr()

    def grouped(self):
        r = self.r
        wt, wd = self.where()
        keys = [(f"k{i}", self.group_key()) for i in range(r.choice([1, 1, 2, 2, 3]))]
        aggs = [(f"a{i}", self.agg()) for i in range(r.randint(0, 3))]
        items = keys + aggs
        if r.random() < 0.25:
            r.shuffle(items)
        st = ", ".join(f"{e.t} AS {a}" for a, e in items)
        sd = ", ".join(f"{e.d} AS {a}" for a, e in items)
        gt, gd = [], []
        for a, e in keys:
            if r.random() < 0.5:  # by ordinal, else by expression (Trino does not group by an alias)
                pos = str(items.index((a, e)) + 1)
                gt.append(pos)
                gd.append(pos)
            else:
                gt.append(e.t)
                gd.append(e.d)
        ht = hd = ""
        if r.random() < 0.3:
            a = self.agg()
            if a.ty in ("int32", "int64", "double"):
                op = r.choice([">", "<", ">=", "=", "<>"])
                k = r.choice([0, 1, 2, 5, 10, 100, 1000, 100000])
                ht, hd = f" HAVING {a.t} {op} {k}", f" HAVING {a.d} {op} {k}"
            else:
                ht, hd = f" HAVING {a.t} IS NOT NULL", f" HAVING {a.d} IS NOT NULL"
        ot = od = lim = ""
        ordered = False
        if r.random() < 0.6:
            ot, od = self.order_by(items)
            if r.random() < 0.7:
                lim = f" LIMIT {r.choice([1, 3, 10, 50, 200])}"
            ordered = True
        return (f"SELECT {st} FROM {self.table()}{wt} GROUP BY {', '.join(gt)}{ht}{ot}{lim}",
                f"SELECT {sd} FROM vpcflow{wd} GROUP BY {', '.join(gd)}{hd}{od}{lim}", ordered, "group")

    def from_subquery(self):
        r = self.r
        e1, _ = self.col(r.choice(["int32", "text", "addr"]))
        e2, _ = self.col(r.choice(["int32", "text"]))
        p = self.pred(1)
        a = self.agg()
        it = f"SELECT {e1.t} AS x1, {e2.t} AS x2, {a.t} AS m, count(*) AS n FROM vpcflow WHERE {p.t} GROUP BY 1, 2"
        idd = f"SELECT {e1.d} AS x1, {e2.d} AS x2, {a.d} AS m, count(*) AS n FROM vpcflow WHERE {p.d} GROUP BY 1, 2"
        k = r.choice([1, 2, 5, 20])
        outer = r.choice(["x1", "x2"])
        lim = r.choice(["", " LIMIT 10"])
        return (f"SELECT {outer}, sum(n) AS total, count(*) AS c, max(m) AS mm FROM ({it}) s WHERE n >= {k} GROUP BY {outer} ORDER BY total DESC, {outer}{lim}",
                f"SELECT {outer}, sum(n) AS total, count(*) AS c, max(m) AS mm FROM ({idd}) s WHERE n >= {k} GROUP BY {outer} ORDER BY total DESC NULLS LAST, {outer} NULLS LAST{lim}",
                True, "from-subquery")

    def distinct_rows(self):
        """Aggregates over the distinct rows of a subquery (SELECT DISTINCT, or GROUP BY of exactly
        its columns): flowarc merges these into one grouping that counts x's distinct values."""
        r = self.r
        ek, _ = self.col(r.choice(["int32", "text", "addr"]))
        ex, _ = self.col(r.choice(["int32", "int32", "addr", "text"]))
        p = self.pred(1)
        if r.random() < 0.5:
            it = f"SELECT DISTINCT {ek.t} AS k, {ex.t} AS x FROM vpcflow WHERE {p.t}"
            idd = f"SELECT DISTINCT {ek.d} AS k, {ex.d} AS x FROM vpcflow WHERE {p.d}"
        else:
            it = f"SELECT {ek.t} AS k, {ex.t} AS x FROM vpcflow WHERE {p.t} GROUP BY 1, 2"
            idd = f"SELECT {ek.d} AS k, {ex.d} AS x FROM vpcflow WHERE {p.d} GROUP BY 1, 2"
        aggs = ["count(*) AS c", "count(x) AS cx"] + (["sum(x) AS sx", "max(x) AS mx"] if ex.ty in ("int32", "int64") else [])
        sel = ", ".join(aggs[: r.randint(1, len(aggs))])
        if r.random() < 0.25:
            # No outer keys: one row.
            return (f"SELECT {sel} FROM ({it}) s", f"SELECT {sel} FROM ({idd}) s", True, "distinct-rows")
        hv = f" HAVING count(*) > {r.choice([1, 2, 5])}" if r.random() < 0.3 else ""
        lim = r.choice(["", " LIMIT 10"])
        return (f"SELECT k, {sel} FROM ({it}) s GROUP BY k{hv} ORDER BY c DESC, k{lim}" if sel.startswith("count(*)") else f"SELECT k, {sel} FROM ({it}) s GROUP BY k{hv} ORDER BY k{lim}",
                f"SELECT k, {sel} FROM ({idd}) s GROUP BY k{hv} ORDER BY c DESC NULLS LAST, k NULLS LAST{lim}" if sel.startswith("count(*)") else f"SELECT k, {sel} FROM ({idd}) s GROUP BY k{hv} ORDER BY k NULLS LAST{lim}",
                True, "distinct-rows")

    def windowed(self):
        """A window function over a filtered selection, partitioned and ordered by random columns;
        the outer ORDER BY names every output column (ties are equal rows), and the window's
        ORDER BY ends with every column it partitions or selects so that its order is fixed."""
        r = self.r
        k, _ = self.col(r.choice(["int32", "text", "addr"]))
        x, _ = self.col(r.choice(["int32", "int64"]))
        o, _ = self.col(r.choice(["int32", "int64"]))
        p = self.pred(1)
        fn = r.choice(["row_number()", "rank()", "dense_rank()", "lag(X)", "lead(X, 2, -1)", "sum(X)", "count(*)",
                       "count(X)", "min(X)", "max(X)", "first_value(X)", "last_value(X)", "ntile(3)", "percent_rank()", "cume_dist()"])
        ordered = r.random() < 0.7 or fn in ("row_number()", "rank()", "dense_rank()", "lag(X)", "lead(X, 2, -1)", "first_value(X)",
                                             "last_value(X)", "ntile(3)", "percent_rank()", "cume_dist()")
        dirn = r.choice(["", " DESC"])
        order_t = f" ORDER BY {o.t}{dirn}, {x.t}, {k.t}" if ordered else ""
        order_d = f" ORDER BY {o.d}{dirn} NULLS LAST, {x.d} NULLS LAST, {k.d} NULLS LAST" if ordered else ""
        part = r.random() < 0.8
        if ordered and fn in ("sum(X)", "count(*)", "count(X)", "min(X)", "max(X)", "first_value(X)", "last_value(X)") and r.random() < 0.5:
            # A ROWS frame (the same words in both engines).
            frame = " ROWS " + r.choice(["BETWEEN 2 PRECEDING AND CURRENT ROW", "BETWEEN 1 PRECEDING AND 1 FOLLOWING",
                                         "UNBOUNDED PRECEDING", "BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING",
                                         "BETWEEN 3 PRECEDING AND 1 PRECEDING", "BETWEEN 1 FOLLOWING AND 3 FOLLOWING",
                                         "BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING", "BETWEEN 0 PRECEDING AND 0 FOLLOWING"])
            order_t += frame
            order_d += frame
        over_t = f"OVER ({'PARTITION BY ' + k.t if part else ''}{order_t})"
        over_d = f"OVER ({'PARTITION BY ' + k.d if part else ''}{order_d})"
        wt, wd = fn.replace("X", x.t), fn.replace("X", x.d)
        lim = r.choice(["", " LIMIT 50"])
        return (f"SELECT {k.t} AS k, {o.t} AS o, {x.t} AS x, {wt} {over_t} AS w FROM vpcflow WHERE {p.t} ORDER BY 1, 2, 3, 4{lim}",
                f"SELECT {k.d} AS k, {o.d} AS o, {x.d} AS x, {wd} {over_d} AS w FROM vpcflow WHERE {p.d} ORDER BY 1 NULLS LAST, 2 NULLS LAST, 3 NULLS LAST, 4 NULLS LAST{lim}",
                True, "window")

    def join(self):
        r = self.r
        kind = r.choice(["int32", "text", "addr", "addr"])
        ek, _ = self.col(kind)
        ev, _ = self.col(kind, "v.") if r.random() < 0.3 else (E("v." + ek.t, "v." + ek.d, kind), None)
        p = self.pred(1)
        p2 = self.pred(1, "v.")
        jt = r.choice(["JOIN", "INNER JOIN", "INNER JOIN", "LEFT JOIN"])
        lim = f" LIMIT {r.choice([5, 50])}" if r.random() < 0.5 else ""
        st = sd = ""
        if r.random() < 0.4:
            n = r.choice([3, 10])
            st, sd = f" ORDER BY jn DESC, jk LIMIT {n}", f" ORDER BY jn DESC, jk NULLS LAST LIMIT {n}"
        it = f"SELECT {ek.t} AS jk, count(*) AS jn FROM vpcflow WHERE {p.t} GROUP BY 1{st}"
        idd = f"SELECT {ek.d} AS jk, count(*) AS jn FROM vpcflow WHERE {p.d} GROUP BY 1{sd}"
        a = self.agg("v.")
        return (f"SELECT t.jk, t.jn, count(*) AS c, {a.t} AS a FROM vpcflow v {jt} ({it}) t ON t.jk = {ev.t} WHERE {p2.t} GROUP BY t.jk, t.jn ORDER BY c DESC, t.jk, t.jn{lim}",
                f"SELECT t.jk, t.jn, count(*) AS c, {a.d} AS a FROM vpcflow v {jt} ({idd}) t ON t.jk = {ev.d} WHERE {p2.d} GROUP BY t.jk, t.jn ORDER BY c DESC NULLS LAST, t.jk NULLS LAST, t.jn NULLS LAST{lim}",
                True, "join")

    def with_query(self):
        r = self.r
        k = self.group_key()
        if r.random() < 0.5:
            # A filter read and grouped by the body.
            p, p2 = self.pred(1), self.pred(1)
            a = self.agg()
            return (f"WITH f AS (SELECT * FROM vpcflow WHERE {p.t}) SELECT {k.t} AS k, count(*) AS n, {a.t} AS a FROM f WHERE {p2.t} GROUP BY 1 ORDER BY n DESC, k LIMIT 10",
                    f"WITH f AS (SELECT * FROM vpcflow WHERE {p.d}) SELECT {k.d} AS k, count(*) AS n, {a.d} AS a FROM f WHERE {p2.d} GROUP BY 1 ORDER BY n DESC NULLS LAST, k NULLS LAST LIMIT 10",
                    True, "with")
        # Groups read, filtered and ordered by the body.
        p = self.pred(1)
        c = r.choice([0, 1, 2, 5, 20])
        sel = r.choice(["k, n, b", "*", "g.k, g.b, g.n"])
        return (f"WITH g AS (SELECT {k.t} AS k, count(*) AS n, sum(numbytes) AS b FROM vpcflow WHERE {p.t} GROUP BY 1) SELECT {sel} FROM g WHERE n > {c} ORDER BY b DESC, n DESC, k LIMIT 10",
                f"WITH g AS (SELECT {k.d} AS k, count(*) AS n, sum(numbytes) AS b FROM vpcflow WHERE {p.d} GROUP BY 1) SELECT {sel} FROM g WHERE n > {c} ORDER BY b DESC NULLS LAST, n DESC NULLS LAST, k NULLS LAST LIMIT 10",
                True, "with")

    def set_operation(self):
        """UNION / INTERSECT / EXCEPT [ALL] of the same keys under different filters (two or
        three operands: INTERSECT binds tighter, written with parentheses for DuckDB), counted
        per row so that multiset counts are compared."""
        r = self.r
        keys = [self.group_key() for _ in range(r.randint(1, 2))]
        names = [f"k{i}" for i in range(len(keys))]
        # Operands over overlapping rows (a base filter, then a subset or a superset of it, or
        # a filter of its own), so that rows come in different numbers of copies on each side.
        base = self.pred(1)
        def operand(first):
            x = r.random()
            if first or x < 0.3:
                p = base
            elif x < 0.5:
                q = self.pred(1)
                p = E(f"({base.t}) AND ({q.t})", f"({base.d}) AND ({q.d})", "bool")
            elif x < 0.7:
                q = self.pred(1)
                p = E(f"({base.t}) OR ({q.t})", f"({base.d}) OR ({q.d})", "bool")
            else:
                p = self.pred(1)
            wt, wd = f" WHERE {p.t}", f" WHERE {p.d}"
            st = ", ".join(f"{k.t} AS {n}" if first else k.t for k, n in zip(keys, names))
            sd = ", ".join(f"{k.d} AS {n}" if first else k.d for k, n in zip(keys, names))
            return f"SELECT {st} FROM {self.table()}{wt}", f"SELECT {sd} FROM vpcflow{wd}"
        def op():
            return r.choice(["UNION", "INTERSECT", "EXCEPT"]) + r.choice(["", " ALL", " DISTINCT"])
        (at, ad), (bt, bd) = operand(True), operand(False)
        o1 = op()
        if r.random() < 0.5:
            body_t, body_d = f"{at} {o1} {bt}", f"({ad}) {o1} ({bd})"
        else:
            (ct, cd), o2 = operand(False), op()
            body_t = f"{at} {o1} {bt} {o2} {ct}"
            if o2.startswith("INTERSECT") and not o1.startswith("INTERSECT"):
                body_d = f"({ad}) {o1} (({bd}) {o2} ({cd}))"
            else:
                body_d = f"(({ad}) {o1} ({bd})) {o2} ({cd})"
        cols = ", ".join(names)
        order_t = ", ".join(names)
        order_d = ", ".join(f"{n} NULLS LAST" for n in names)
        return (f"SELECT {cols}, count(*) AS n FROM ({body_t}) t GROUP BY {cols} ORDER BY n DESC, {order_t} LIMIT 25",
                f"SELECT {cols}, count(*) AS n FROM ({body_d}) t GROUP BY {cols} ORDER BY n DESC NULLS LAST, {order_d} LIMIT 25",
                True, "setop")

    def query(self):
        x = self.r.random()
        if x < 0.08:
            return self.with_query()
        if x < 0.14:
            return self.projection(False)
        if x < 0.26:
            return self.projection(True)
        if x < 0.40:
            return self.aggregate()
        if x < 0.72:
            return self.grouped()
        if x < 0.82:
            return self.from_subquery()
        if x < 0.88:
            return self.distinct_rows()
        if x < 0.93:
            return self.windowed()
        if x < 0.96:
            return self.set_operation()
        return self.join()


def samples_and_cidrs(con, rng):
    """Per canonical column, a sample of its values (sorted first: the same for a seed); the time
    range; CIDRs: fixed ones and some around addresses in the data, IPv4 and IPv6."""
    samples = {}
    for group in INT32 + INT64 + TEXT + ADDR:
        c = group[0]
        vals = [r[0] for r in con.execute(f'SELECT DISTINCT {c} FROM vpcflow WHERE {c} IS NOT NULL ORDER BY 1').fetchall()]
        samples[c] = rng.sample(vals, min(len(vals), 200))
    samples["dur"] = [0, 1, 10, 30, 59, 60]
    tmin, tmax = con.execute("SELECT min(starttime), max(endtime) FROM vpcflow").fetchone()
    cidrs = list(FIXED_CIDRS)
    addrs = samples["srcaddr"][:40] + samples["dstaddr"][:40]
    v4 = [a for a in addrs if ":" not in a][:25]
    v6 = [a for a in addrs if ":" in a][:25]
    for a in v4:
        cidrs.append(str(ipaddress.ip_network(f"{a}/{rng.choice([8, 16, 20, 24, 28, 32])}", strict=False)))
    for a in v6:
        cidrs.append(str(ipaddress.ip_network(f"{a}/{rng.choice([16, 32, 48, 64, 100, 120, 128])}", strict=False)))
    return samples, tmin, tmax, cidrs


# ---------------------------------------------------------------------------------------------
# Running and comparing


class Answer:
    def __init__(self, ok, rows=None, error=None, crashed=False, floats=()):
        self.ok, self.rows, self.error, self.crashed, self.floats = ok, rows, error, crashed, set(floats)


def run_flowarc(binary, archive, sql, threads):
    args = [binary, "query", archive, sql, "--format", "csv", "--threads", str(threads)]
    try:
        p = subprocess.run(args, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        return Answer(False, error="timed out after 120 s", crashed=True)
    if p.returncode != 0:
        # Killed by a signal (a crash) never agrees with anything, not even DuckDB's error.
        return Answer(False, error=(p.stderr.strip() or "(no message)") + f" [exit {p.returncode}]", crashed=p.returncode < 0)
    rows = list(csv.reader(io.StringIO(p.stdout, newline="")))
    if not rows:
        return Answer(False, error="no header row in the output", crashed=True)
    return Answer(True, rows=[r if r else [""] for r in rows[1:]])


def cell(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def run_duckdb(con, sql):
    try:
        cur = con.execute(sql)
        floats = {i for i, d in enumerate(cur.description) if str(d[1]).upper() in ("DOUBLE", "FLOAT", "REAL") or str(d[1]).upper().startswith("DECIMAL")}
        return Answer(True, rows=[[cell(v) for v in row] for row in cur.fetchall()], floats=floats)
    except duckdb.Error as e:
        return Answer(False, error=str(e).split("\n")[0])


def close(a, b):
    """Double cells: equal to a relative 1e-9 (NULLs only to NULLs)."""
    if a == b:
        return True
    if a == "" or b == "":
        return False
    try:
        x, y = float(a), float(b)
    except ValueError:
        return False
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    if math.isinf(x) or math.isinf(y):
        return x == y
    return abs(x - y) <= 1e-9 * max(abs(x), abs(y))


def sort_key(row, floats):
    """Exact cells first, then doubles rounded to 9 digits: both engines' rows sort alike."""
    def rounded(c):
        try:
            return format(float(c), ".9g")
        except ValueError:
            return c
    return (tuple(c for i, c in enumerate(row) if i not in floats), tuple(rounded(c) for i, c in enumerate(row) if i in floats))


def compare(ours, theirs, ordered, floats):
    """None if the results agree, else why not."""
    if len(ours) != len(theirs):
        return f"row counts differ: flowarc {len(ours)}, DuckDB {len(theirs)}"
    if not ordered:
        ours = sorted(ours, key=lambda r: sort_key(r, floats))
        theirs = sorted(theirs, key=lambda r: sort_key(r, floats))
    for i, (a, b) in enumerate(zip(ours, theirs)):
        if len(a) != len(b):
            return f"column counts differ: flowarc {len(a)}, DuckDB {len(b)}"
        for j, (x, y) in enumerate(zip(a, b)):
            if not (x == y or (j in floats and close(x, y))):
                return f"{'row' if ordered else 'sorted row'} {i + 1} differs: flowarc {a}, DuckDB {b}"
    return None


def show(answer, limit=8):
    if not answer.ok:
        return "error: " + answer.error[:500]
    lines = [",".join(r) for r in answer.rows[:limit]]
    more = f"\n      ... {len(answer.rows) - limit} more rows" if len(answer.rows) > limit else ""
    return f"{len(answer.rows)} rows\n      " + "\n      ".join(l[:200] for l in lines) + more


def main():
    if len(sys.argv) != 6:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    binary, archive, logs, seed_s, count_s = sys.argv[1:]
    try:
        seed, count = int(seed_s), int(count_s)
    except ValueError:
        print("SEED and COUNT must be integers", file=sys.stderr)
        return 2
    started = time.time()
    try:
        con = load_duckdb(logs)
        total = con.execute("SELECT count(*) FROM vpcflow").fetchone()[0]
        sanity = run_flowarc(binary, archive, "SELECT count(*) AS n FROM vpcflow", 1)
    except Exception as e:  # noqa: BLE001  (anything here is the harness's failure, not flowarc's)
        print(f"harness error: {type(e).__name__}: {e}", file=sys.stderr)
        return 2
    if total == 0 or not sanity.ok or sanity.rows != [[str(total)]]:
        print(f"harness error: DuckDB loaded {total} rows; flowarc counts {show(sanity)}", file=sys.stderr)
        return 2

    rng = random.Random(seed)
    samples, tmin, tmax, cidrs = samples_and_cidrs(con, rng)
    gen = Generator(rng, samples, tmin, tmax, cidrs)
    queries = []
    for _ in range(count):
        sql_t, sql_d, ordered, shape = gen.query()
        queries.append((sql_t, sql_d, ordered, shape, rng.choice([1, 2, 3])))
    agreed = both_failed = nonempty = 0
    mismatches = 0
    shapes = {}
    # Two flowarc processes at a time (each query's output is read whole before it is compared);
    # DuckDB answers in this thread meanwhile, in query order.
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=2)
    futures = [pool.submit(run_flowarc, binary, archive, q[0], q[4]) for q in queries]
    for i, (sql_t, sql_d, ordered, shape, threads) in enumerate(queries):
        shapes[shape] = shapes.get(shape, 0) + 1
        theirs = run_duckdb(con, sql_d)
        ours = futures[i].result()
        if ours.ok and theirs.ok:
            why = compare(ours.rows, theirs.rows, ordered, theirs.floats)
            nonempty += bool(ours.rows)
        elif not ours.ok and not theirs.ok and not ours.crashed:
            both_failed += 1
            why = None
        else:
            why = "flowarc failed and DuckDB did not" if not ours.ok else "DuckDB failed and flowarc did not"
        if why is None:
            agreed += 1
            continue
        mismatches += 1
        print(f"MISMATCH #{i} ({shape}, {'ordered' if ordered else 'as multisets'}, --threads {threads}): {why}")
        print(f"  flowarc SQL: {sql_t}")
        print(f"  DuckDB SQL:  {sql_d}")
        print(f"  flowarc: {show(ours)}")
        print(f"  DuckDB:  {show(theirs)}")
        print()
    pool.shutdown()
    summary = ", ".join(f"{k} {v}" for k, v in sorted(shapes.items()))
    print(f"random differential, seed {seed}: {count} queries ({summary}); {agreed} agree "
          f"({nonempty} with rows, {both_failed} rejected by both), {mismatches} mismatches; {time.time() - started:.1f} s")
    return 1 if mismatches else 0


if __name__ == "__main__":
    try:
        status = main()
    except Exception:  # noqa: BLE001  (the harness failed, not a comparison)
        traceback.print_exc()
        status = 2
    sys.exit(status)
