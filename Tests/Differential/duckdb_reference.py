#!/usr/bin/env python3
"""Reference answers from DuckDB for flowarc's differential tests.

Usage: duckdb_reference.py LOGS_DIR  (SQL on standard input; CSV result on standard output)

Loads the raw flow log files (gzip, S3 layout, version 5 header) into DuckDB with Athena's types,
exposes them as a view `vpcflow` under all three column naming schemes flowarc accepts (AWS field
names, Athena DDL names, Security Analytics Bootstrap / workshop names) plus the partition
columns derived from the S3 key, then runs the query and prints CSV (header row, NULL as empty).
"""
import csv
import sys

import duckdb

V5 = [
    ("version", "INTEGER"), ("account-id", "VARCHAR"), ("interface-id", "VARCHAR"), ("srcaddr", "VARCHAR"),
    ("dstaddr", "VARCHAR"), ("srcport", "INTEGER"), ("dstport", "INTEGER"), ("protocol", "INTEGER"),
    ("packets", "BIGINT"), ("bytes", "BIGINT"), ("start", "BIGINT"), ("end", "BIGINT"), ("action", "VARCHAR"),
    ("log-status", "VARCHAR"), ("vpc-id", "VARCHAR"), ("subnet-id", "VARCHAR"), ("instance-id", "VARCHAR"),
    ("tcp-flags", "INTEGER"), ("type", "VARCHAR"), ("pkt-srcaddr", "VARCHAR"), ("pkt-dstaddr", "VARCHAR"),
    ("region", "VARCHAR"), ("az-id", "VARCHAR"), ("sublocation-type", "VARCHAR"), ("sublocation-id", "VARCHAR"),
    ("pkt-src-aws-service", "VARCHAR"), ("pkt-dst-aws-service", "VARCHAR"), ("flow-direction", "VARCHAR"),
    ("traffic-path", "INTEGER"),
]

BOOTSTRAP = {
    "account-id": "account", "interface-id": "interfaceid", "srcaddr": "sourceaddress", "dstaddr": "destinationaddress",
    "srcport": "sourceport", "dstport": "destinationport", "packets": "numpackets", "bytes": "numbytes",
    "start": "starttime", "end": "endtime", "log-status": "logstatus", "vpc-id": "vpcid", "subnet-id": "subnetid",
    "instance-id": "instanceid", "tcp-flags": "tcpflags", "pkt-srcaddr": "pktsrcaddr", "pkt-dstaddr": "pktdstaddr",
    "az-id": "azid", "sublocation-type": "sublocationtype", "sublocation-id": "sublocationid",
    "pkt-src-aws-service": "pktsrcawsservice", "pkt-dst-aws-service": "pktdstawsservice",
    "flow-direction": "flowdirection", "traffic-path": "trafficpath",
}


def load_raw(con, logs):
    """The raw logs as table `raw`: the v5 fields with Athena's types, and each row's file name."""
    columns = ", ".join(f"'{n}': '{t}'" for n, t in V5)
    con.execute(
        f"""CREATE TABLE raw AS SELECT * FROM read_csv('{logs}/**/*.log.gz', delim=' ', header=true,
            nullstr='-', auto_detect=false, columns={{{columns}}}, filename=true)"""
    )


def view_columns(qualifier=""):
    """The select list of the `vpcflow` view over `raw`: every field under all three naming
    schemes, then the partition columns from the S3 key. `qualifier` prefixes the raw columns."""
    names = []
    for field, _ in V5:
        q = f'{qualifier}"{field}"'
        outs = {field, field.replace("-", "_")}
        if field in BOOTSTRAP:
            outs.add(BOOTSTRAP[field])
        names += [f"{q} AS \"{o}\"" for o in sorted(outs)]
    names.append(r"regexp_extract(filename, 'AWSLogs/([^/]+)/vpcflowlogs/', 1) AS account_partition")
    names.append(r"regexp_extract(filename, 'vpcflowlogs/([^/]+)/', 1) AS region_partition")
    names.append(r"regexp_extract(filename, '/(\d{4}/\d{2}/\d{2})/', 1) AS date_partition")
    return names


def text(v):
    """A value as flowarc (and Trino) print it in CSV: NULL empty, booleans lowercase."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return "[" + ", ".join(map(str, v)) + "]"
    return v


def main():
    logs = sys.argv[1]
    sql = sys.stdin.read()
    con = duckdb.connect()
    con.execute("SET threads = 2")
    load_raw(con, logs)
    con.execute("CREATE VIEW vpcflow AS SELECT " + ", ".join(view_columns()) + " FROM raw")
    cur = con.execute(sql)
    out = csv.writer(sys.stdout, lineterminator="\r\n")
    out.writerow([d[0] for d in cur.description])
    for row in cur.fetchall():
        out.writerow([text(v) for v in row])


if __name__ == "__main__":
    main()
