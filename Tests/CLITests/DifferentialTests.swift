import Foundation
import Testing

/// flowarc's answers against an independent engine: DuckDB over the same raw logs
/// (`Tests/Differential/duckdb_reference.py` loads the .gz files with Athena's types and the
/// three naming schemes). Results must match exactly: as ordered lists where ORDER BY fixes the
/// order, as multisets (plus a check of the ORDER BY key's monotonicity) where it leaves ties.
@Suite(.serialized) struct DifferentialTests {
    static let fixture: (logs: String, archive: String, pool: String)? = {
        guard let scratch = try? Scratch("differential") else { return nil }
        let logs = scratch.sub("logs"), archive = scratch.sub("flows.arc")
        guard let gen = try? CLI.run(["generate", "--out", logs, "--records", "60000", "--files", "6", "--seed", "7"]),
              gen.status == 0,
              let ing = try? CLI.run(["ingest", archive, logs, "--block-rows", "4096", "--quiet"]), ing.status == 0 else { return nil }
        // The first mining pool address the generator reports.
        let poolLine = gen.stdout.split(separator: "\n").first { $0.contains("mining pools:") } ?? ""
        let pool = poolLine.split(separator: ":", maxSplits: 1).last.map { $0.split(separator: ",")[0].trimmingCharacters(in: .whitespaces) } ?? ""
        return (logs, archive, pool)
    }()

    static func reference(_ sql: String, logs: String) throws -> CLI.Result {
        let script = CLI.packageRoot + "/Tests/Differential/duckdb_reference.py"
        return try CLI.runProgram("/usr/bin/env", ["python3", script, logs], stdin: Array(sql.utf8))
    }

    static func parseCSV(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = [], field = "", inQuotes = false
        var it = Array(text).makeIterator()
        var pending: Character? = nil
        while let c = pending ?? it.next() {
            pending = nil
            if inQuotes {
                if c == "\"" {
                    if let n = it.next() { if n == "\"" { field.append("\"") } else { inQuotes = false; pending = n } } else { inQuotes = false }
                } else { field.append(c) }
            } else if c == "\"" { inQuotes = true }
            else if c == "," { row.append(field); field = "" }
            else if c == "\r\n" || c == "\n" { row.append(field); rows.append(row); row = []; field = "" }
            else if c == "\r" { continue }
            else { field.append(c) }
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }

    struct Case: CustomStringConvertible, Sendable {
        var sql: String
        /// Whether ORDER BY fixes the whole order (else rows are compared as a multiset).
        var ordered: Bool
        /// The query in DuckDB's dialect, where it differs (functions Trino has and DuckDB lacks).
        var duck: String? = nil
        var description: String { sql }
    }

    static let dailyTransfer = """
        SELECT vpcflow.event_date, vpcflow.sourceaddress, vpcflow.destinationaddress, sum(vpcflow.numbytes) as byte_count
        FROM vpcflow
        INNER JOIN (SELECT sourceaddress, sum(numbytes) as byte_count FROM vpcflow
        WHERE sourceaddress like '10.0.%'
        GROUP BY region, instanceid, sourceaddress, destinationaddress, destinationport
        ORDER BY byte_count DESC
        LIMIT 10) as top_n
        ON top_n.sourceaddress = vpcflow.sourceaddress
        WHERE logstatus = 'OK'
        GROUP BY vpcflow.event_date, vpcflow.sourceaddress, vpcflow.destinationaddress
        ORDER BY vpcflow.event_date ASC, vpcflow.sourceaddress ASC, vpcflow.destinationaddress ASC, byte_count DESC
        """

    static let cases: [Case] = [
        Case(sql: """
            SELECT numpackets, sourceaddress, destinationaddress, destinationport
            FROM "irworkshopgluedatabase"."irworkshopgluetablevpcflow"
            WHERE flow_direction = 'egress' AND
            destinationaddress NOT LIKE '192.168.%' AND
            destinationaddress NOT LIKE '10.%' AND
            destinationaddress NOT LIKE '172.%'
            GROUP BY numpackets, sourceaddress, destinationaddress, destinationport
            ORDER BY numpackets DESC
            """, ordered: false),
        Case(sql: "SELECT count(*) AS n FROM vpcflow", ordered: true),
        Case(sql: "SELECT action, logstatus, count(*) AS n, count(action) AS a, count(sourceaddress) AS s FROM vpcflow GROUP BY action, logstatus ORDER BY action, logstatus", ordered: true),
        Case(sql: "SELECT destinationport, sum(numbytes) AS b, count(*) AS n FROM vpcflow WHERE action = 'REJECT' GROUP BY destinationport ORDER BY b DESC, destinationport LIMIT 10", ordered: true),
        Case(sql: "SELECT sourceaddress, count(DISTINCT destinationaddress) AS d, sum(numpackets) AS p FROM vpcflow GROUP BY sourceaddress ORDER BY d DESC, sourceaddress LIMIT 25", ordered: true),
        Case(sql: "SELECT logstatus, count(*) AS n, min(starttime) AS first, max(endtime) AS last FROM vpcflow GROUP BY logstatus ORDER BY logstatus", ordered: true),
        // Aggregates over DISTINCT values, grouped on their argument (`DistinctRegroup`) beside
        // ordinary ones; sum/avg(DISTINCT) once summed every row; two arguments keep sets.
        Case(sql: "SELECT sourceaddress, count(DISTINCT destinationport) AS ports, count(*) AS n, sum(numbytes) AS b, min(starttime) AS f, max(numpackets) AS m FROM vpcflow GROUP BY sourceaddress ORDER BY ports DESC, sourceaddress LIMIT 20", ordered: true),
        Case(sql: "SELECT action, count(DISTINCT protocol) AS c, sum(DISTINCT protocol) AS s, avg(DISTINCT protocol) AS a, sum(protocol) AS t FROM vpcflow GROUP BY action ORDER BY action", ordered: true),
        Case(sql: "SELECT count(DISTINCT sourceaddress) AS s, count(DISTINCT destinationport) AS p, approx_distinct(interfaceid) AS i, sum(DISTINCT numpackets) AS k FROM vpcflow", ordered: true,
             duck: "SELECT count(DISTINCT sourceaddress) AS s, count(DISTINCT destinationport) AS p, count(DISTINCT interfaceid) AS i, sum(DISTINCT numpackets) AS k FROM vpcflow"),
        Case(sql: "SELECT logstatus, count(DISTINCT srcport) AS c, sum(DISTINCT srcport) AS s, avg(DISTINCT srcport) AS a, count(srcport) AS n FROM vpcflow GROUP BY logstatus ORDER BY logstatus", ordered: true),
        Case(sql: "SELECT hour(from_unixtime(starttime)) AS h, count(DISTINCT instanceid) AS i, count(DISTINCT destinationaddress) AS d FROM vpcflow GROUP BY 1 ORDER BY 1", ordered: true,
             duck: "SELECT hour(make_timestamp(starttime * 1000000)) AS h, count(DISTINCT instanceid) AS i, count(DISTINCT destinationaddress) AS d FROM vpcflow GROUP BY 1 ORDER BY 1"),
        Case(sql: "SELECT destinationaddress, count(DISTINCT sourceaddress) AS peers FROM vpcflow WHERE action = 'REJECT' GROUP BY destinationaddress HAVING count(DISTINCT sourceaddress) > 2 ORDER BY peers DESC, destinationaddress LIMIT 10", ordered: true),
        Case(sql: "SELECT count(DISTINCT destinationport) AS p FROM vpcflow WHERE destinationport = -1", ordered: true),
        // Aggregates over the distinct rows of a subquery, merged into one grouping
        // (`Query.aggregatedOverDistinctRows`): NULL is a value of a distinct row.
        Case(sql: "SELECT sourceaddress, count(*) AS ports FROM (SELECT DISTINCT sourceaddress, destinationport FROM vpcflow) GROUP BY sourceaddress ORDER BY ports DESC, sourceaddress LIMIT 20", ordered: true),
        Case(sql: "SELECT count(*) AS n FROM (SELECT DISTINCT destinationport FROM vpcflow)", ordered: true),
        Case(sql: "SELECT count(*) AS n FROM (SELECT DISTINCT destinationport FROM vpcflow WHERE destinationport = -1)", ordered: true),
        Case(sql: "SELECT destinationport, count(*) AS n, count(x.s) AS c, min(x.s) AS lo FROM (SELECT destinationport, sourceaddress AS s FROM vpcflow WHERE action = 'REJECT' GROUP BY 1, 2) x GROUP BY destinationport ORDER BY n DESC, destinationport LIMIT 10", ordered: true),
        Case(sql: "SELECT t.k, count(t.x) AS n, max(t.x) AS m, sum(t.x) AS s, avg(t.x) AS a FROM (SELECT DISTINCT action AS k, sourceport AS x FROM vpcflow) t WHERE t.k IS NOT NULL AND t.x > 1000 GROUP BY t.k HAVING count(*) > 10 ORDER BY n DESC", ordered: true),
        Case(sql: "SELECT count(*) AS n FROM (SELECT sourceaddress, destinationaddress, destinationport FROM vpcflow GROUP BY 1, 2, 3) WHERE destinationport < 1024", ordered: true),
        Case(sql: "SELECT k, count(*) FILTER (WHERE x > 1000) AS n FROM (SELECT DISTINCT sourceaddress AS k, destinationport AS x FROM vpcflow) t GROUP BY k ORDER BY n DESC, k LIMIT 10", ordered: true),
        // ORs across columns, filtered by column kernels per branch (NULL-heavy NODATA rows:
        // NOT of an OR is TRUE only where both sides are FALSE).
        Case(sql: "SELECT protocol, count(*) AS n FROM vpcflow WHERE action = 'REJECT' OR destinationport = 22 GROUP BY 1 ORDER BY 1", ordered: true),
        Case(sql: "SELECT count(*) AS n FROM vpcflow WHERE NOT (action = 'REJECT' OR destinationport = 443)", ordered: true),
        Case(sql: "SELECT count(*) AS n FROM vpcflow WHERE NOT (action = 'ACCEPT' AND sourceport > 1024)", ordered: true),
        Case(sql: "SELECT count(*) AS n, sum(numbytes) AS b FROM vpcflow WHERE (destinationport = 22 AND action = 'REJECT') OR (sourceaddress LIKE '10.%' AND numbytes > 1000) OR destinationaddress IS NULL", ordered: true),
        Case(sql: "SELECT count(*) AS n FROM vpcflow WHERE lower(action) = 'reject' OR destinationport IN (22, 3389) OR starttime < 1699990000", ordered: true),
        Case(sql: "SELECT count(*) AS n FROM vpcflow WHERE date_partition = '2023/11/15' OR destinationport = 22", ordered: true),
        Case(sql: "SELECT date_partition, count(*) AS n FROM vpcflow WHERE region_partition = 'us-east-1' AND (date_partition < '2023/11/15' OR date_partition > '2023/11/16') GROUP BY 1 ORDER BY 1", ordered: true),
        // The example queries of AWS's Athena documentation for flow logs, over its table's
        // partition columns (`date` DATE, or `day` and `accid` with partition projection).
        Case(sql: "SELECT day_of_week(date) AS day, date, interface_id, srcaddr, action, protocol FROM vpc_flow_logs WHERE action = 'REJECT' AND protocol = 6 ORDER BY date, interface_id, srcaddr LIMIT 100", ordered: true,
             duck: "SELECT isodow(CAST(replace(date_partition, '/', '-') AS DATE)) AS day, CAST(replace(date_partition, '/', '-') AS DATE) AS date, interface_id, srcaddr, action, protocol FROM vpcflow WHERE action = 'REJECT' AND protocol = 6 ORDER BY 2, interface_id, srcaddr LIMIT 100"),
        // Grouped by a function of the partition (computed per dictionary code of date_partition).
        Case(sql: "SELECT day_of_week(date) AS d, count(*) AS n, sum(numbytes) AS b FROM vpc_flow_logs GROUP BY 1 ORDER BY 1", ordered: true,
             duck: "SELECT isodow(CAST(replace(date_partition, '/', '-') AS DATE)) AS d, count(*) AS n, sum(numbytes) AS b FROM vpcflow GROUP BY 1 ORDER BY 1"),
        // Earlier editions of that documentation: a `dt` string partition ('YYYY-MM-dd') and the
        // bootstrap's column names.
        Case(sql: "SELECT day_of_week(from_iso8601_timestamp(dt)) AS day, dt, interfaceid, sourceaddress, action, protocol FROM vpc_flow_logs WHERE action = 'REJECT' AND protocol = 6 ORDER BY dt, interfaceid, sourceaddress LIMIT 100", ordered: true,
             duck: "SELECT isodow(CAST(replace(date_partition, '/', '-') AS DATE)) AS day, replace(date_partition, '/', '-') AS dt, interfaceid, sourceaddress, action, protocol FROM vpcflow WHERE action = 'REJECT' AND protocol = 6 ORDER BY 2, interfaceid, sourceaddress LIMIT 100"),
        // Functions that may fail, over one text column in WHERE: decided once per dictionary
        // value (they were evaluated per row: 73 s over 20 M rows), under AND and OR.
        Case(sql: "SELECT dt, count(*) AS n, sum(numbytes) AS b FROM vpc_flow_logs WHERE from_iso8601_timestamp(dt) >= TIMESTAMP '2023-11-15 00:00:00' AND action = 'REJECT' GROUP BY dt ORDER BY dt", ordered: true,
             duck: "SELECT replace(date_partition, '/', '-') AS dt, count(*) AS n, sum(numbytes) AS b FROM vpcflow WHERE CAST(replace(date_partition, '/', '-') AS TIMESTAMP) >= TIMESTAMP '2023-11-15 00:00:00' AND action = 'REJECT' GROUP BY 1 ORDER BY 1"),
        Case(sql: "SELECT protocol, count(*) AS n FROM vpc_flow_logs WHERE day_of_week(from_iso8601_timestamp(dt)) IN (3, 4) OR destinationport = 22 GROUP BY 1 ORDER BY 1", ordered: true,
             duck: "SELECT protocol, count(*) AS n FROM vpcflow WHERE isodow(CAST(replace(date_partition, '/', '-') AS DATE)) IN (3, 4) OR destinationport = 22 GROUP BY 1 ORDER BY 1"),
        Case(sql: "SELECT count(*) AS n FROM vpc_flow_logs WHERE NOT (date_parse(dt, '%Y-%m-%d') < TIMESTAMP '2023-11-15 00:00:00' OR sourceport < 1024)", ordered: true,
             duck: "SELECT count(*) AS n FROM vpcflow WHERE NOT (strptime(replace(date_partition, '/', '-'), '%Y-%m-%d') < TIMESTAMP '2023-11-15 00:00:00' OR sourceport < 1024)"),
        // Comparisons of expressions over integer columns (computed over column arrays for the
        // rows still TRUE, not per row): long flows, bytes per packet (NULL on NODATA rows),
        // BETWEEN and NOT BETWEEN on a time function, under OR.
        Case(sql: "SELECT action, count(*) AS n FROM vpcflow WHERE endtime - starttime > 50 GROUP BY 1 ORDER BY 1", ordered: true),
        Case(sql: "SELECT count(*) AS n, sum(numbytes) AS b FROM vpcflow WHERE numbytes / numpackets < 60 AND action = 'ACCEPT'", ordered: true,
             duck: "SELECT count(*) AS n, sum(numbytes) AS b FROM vpcflow WHERE numbytes // numpackets < 60 AND action = 'ACCEPT'"),
        Case(sql: "SELECT count(*) AS n FROM vpcflow WHERE hour(from_unixtime(starttime)) BETWEEN 2 AND 4 OR numpackets > 2 * sourceport", ordered: true,
             duck: "SELECT count(*) AS n FROM vpcflow WHERE hour(make_timestamp(starttime * 1000000)) BETWEEN 2 AND 4 OR numpackets > 2 * sourceport"),
        Case(sql: "SELECT count(*) AS n FROM vpcflow WHERE hour(from_unixtime(starttime)) NOT BETWEEN 2 AND 20 AND NOT (numbytes % 7 = numpackets % 7)", ordered: true,
             duck: "SELECT count(*) AS n FROM vpcflow WHERE hour(make_timestamp(starttime * 1000000)) NOT BETWEEN 2 AND 20 AND NOT (numbytes % 7 = numpackets % 7)"),
        // An integer column against a double constant (to_unixtime of a timestamp, a decimal
        // literal): rewritten as integer bounds for the indexes and kernels.
        Case(sql: "SELECT count(*) AS n, sum(numbytes) AS b FROM vpcflow WHERE starttime >= to_unixtime(TIMESTAMP '2023-11-15 00:00:00') AND starttime < to_unixtime(TIMESTAMP '2023-11-15 00:00:00' + INTERVAL '6' HOUR)", ordered: true,
             duck: "SELECT count(*) AS n, sum(numbytes) AS b FROM vpcflow WHERE starttime >= epoch(TIMESTAMP '2023-11-15 00:00:00') AND starttime < epoch(TIMESTAMP '2023-11-15 06:00:00')"),
        Case(sql: "SELECT count(*) AS n FROM vpcflow WHERE numbytes < 1500.5 AND numpackets >= 2.0 OR sourceport BETWEEN 1023.5 AND 2000.0 OR destinationport = 443.0", ordered: true),
        // Bitwise tests of TCP flags (SYN without ACK), coalesce and date_diff in WHERE and in
        // aggregates, over NULL-heavy NODATA rows (computed over column arrays).
        Case(sql: "SELECT destinationport, count(*) AS n FROM vpcflow WHERE bitwise_and(tcpflags, 2) <> 0 AND bitwise_and(tcpflags, 16) = 0 GROUP BY 1 ORDER BY n DESC, 1 LIMIT 10", ordered: true,
             duck: "SELECT destinationport, count(*) AS n FROM vpcflow WHERE (tcpflags & 2) <> 0 AND (tcpflags & 16) = 0 GROUP BY 1 ORDER BY n DESC, 1 LIMIT 10"),
        Case(sql: "SELECT count(*) AS n, sum(coalesce(numbytes, 0)) AS b, sum(coalesce(numpackets, sourceport, 7)) AS p FROM vpcflow WHERE coalesce(numbytes, 0) < 5000 OR coalesce(sourceport, destinationport) = 443", ordered: true),
        Case(sql: "SELECT count(*) AS n FROM vpcflow WHERE 0 <> bitwise_and(18, tcpflags) AND NOT (bitwise_and(tcpflags, 4) > 0) OR bitwise_and(tcpflags, 1) = 1", ordered: true,
             duck: "SELECT count(*) AS n FROM vpcflow WHERE 0 <> (18 & tcpflags) AND NOT ((tcpflags & 4) > 0) OR (tcpflags & 1) = 1"),
        Case(sql: "SELECT action, count(*) AS n FROM vpcflow WHERE date_diff('second', from_unixtime(starttime), from_unixtime(endtime)) BETWEEN 30 AND 59 OR date_diff('minute', from_unixtime(starttime), from_unixtime(endtime)) > 1 GROUP BY 1 ORDER BY 1", ordered: true,
             duck: "SELECT action, count(*) AS n FROM vpcflow WHERE date_sub('second', make_timestamp(starttime * 1000000), make_timestamp(endtime * 1000000)) BETWEEN 30 AND 59 OR date_sub('minute', make_timestamp(starttime * 1000000), make_timestamp(endtime * 1000000)) > 1 GROUP BY 1 ORDER BY 1"),
        // ORDER BY ... LIMIT without aggregates: each worker keeps its best rows, blocks in the
        // order of their key ranges, those that cannot enter passed over; NULL keys first or last.
        Case(sql: "SELECT from_unixtime(starttime) AS t, sourceaddress, destinationaddress, destinationport FROM vpcflow ORDER BY t DESC, 2, 3, 4 LIMIT 25", ordered: true,
             duck: "SELECT strftime(make_timestamp(starttime * 1000000), '%Y-%m-%d %H:%M:%S.000') AS t, sourceaddress, destinationaddress, destinationport FROM vpcflow ORDER BY t DESC, 2, 3, 4 LIMIT 25"),
        Case(sql: "SELECT starttime, numpackets, sourceaddress, sourceport FROM vpcflow WHERE destinationport < 1024 ORDER BY starttime, 2, 3, 4 LIMIT 7", ordered: true),
        Case(sql: "SELECT numpackets, starttime, interfaceid, sourceaddress, sourceport FROM vpcflow ORDER BY numpackets NULLS FIRST, 2, 3, 4, 5 LIMIT 30", ordered: true),
        Case(sql: "SELECT numbytes, starttime, interfaceid, sourceaddress, sourceport FROM vpcflow ORDER BY numbytes DESC NULLS FIRST, 2, 3, 4, 5 LIMIT 30", ordered: true),
        Case(sql: "SELECT numbytes, starttime, interfaceid, sourceaddress, sourceport, destinationport FROM vpcflow ORDER BY numbytes DESC, 2, 3, 4, 5, 6 LIMIT 40", ordered: true,
             duck: "SELECT numbytes, starttime, interfaceid, sourceaddress, sourceport, destinationport FROM vpcflow ORDER BY numbytes DESC NULLS LAST, 2, 3, 4, 5, 6 LIMIT 40"),
        // Conditions of count_if and CASE over column vectors: expressions that cannot fail
        // compared, and a bigint against a double constant, over NULL-heavy rows.
        Case(sql: "SELECT action, count_if(bitwise_and(tcpflags, 18) = 18) AS synack, sum(CASE WHEN sourceport = destinationport THEN 1 ELSE 0 END) AS same, count_if(numpackets >= 2.5) AS p, count_if(NOT (numbytes < 1e3)) AS big FROM vpcflow GROUP BY 1 ORDER BY 1", ordered: true,
             duck: "SELECT action, count(CASE WHEN (tcpflags & 18) = 18 THEN 1 END) AS synack, sum(CASE WHEN sourceport = destinationport THEN 1 ELSE 0 END) AS same, count(CASE WHEN numpackets >= 2.5 THEN 1 END) AS p, count(CASE WHEN NOT (numbytes < 1e3) THEN 1 END) AS big FROM vpcflow GROUP BY 1 ORDER BY 1"),
        Case(sql: "SELECT dt, count(*) AS n, sum(numbytes) AS b FROM vpc_flow_logs WHERE dt >= '2023-11-15' GROUP BY dt ORDER BY dt", ordered: true,
             duck: "SELECT replace(date_partition, '/', '-') AS dt, count(*) AS n, sum(numbytes) AS b FROM vpcflow WHERE replace(date_partition, '/', '-') >= '2023-11-15' GROUP BY 1 ORDER BY 1"),
        Case(sql: "SELECT SUM(packets) AS packetcount, dstaddr FROM vpc_flow_logs WHERE dstport = 443 AND date > DATE '2023-11-14' GROUP BY dstaddr ORDER BY packetcount DESC, dstaddr LIMIT 10", ordered: true,
             duck: "SELECT SUM(packets) AS packetcount, dstaddr FROM vpcflow WHERE dstport = 443 AND CAST(replace(date_partition, '/', '-') AS DATE) > DATE '2023-11-14' GROUP BY dstaddr ORDER BY packetcount DESC, dstaddr LIMIT 10"),
        Case(sql: "SELECT day, accid, region, count(*) AS n FROM test_table_vpclogs WHERE day >= '2023/11/15' AND day < '2023/11/17' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3", ordered: true,
             duck: "SELECT date_partition AS day, account_partition AS accid, region, count(*) AS n FROM vpcflow WHERE date_partition >= '2023/11/15' AND date_partition < '2023/11/17' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"),
        // Variances, FILTER, bits of the TCP flags, padding and concat_ws, CAST to DOUBLE,
        // cardinality of array_agg, arbitrary (the least value; one value per group here).
        // (Rounded well above the few units in the last place by which sums in another order
        // differ, so that a rounding boundary is not met by chance.)
        Case(sql: "SELECT action, round(stddev(numbytes), 3) AS s, round(variance(numbytes), -3) AS v, round(stddev_pop(numpackets), 5) AS sp, round(var_pop(numpackets), 3) AS vp, round(stddev_samp(destinationport), 5) AS ss, round(var_samp(destinationport), 0) AS vs FROM vpcflow GROUP BY action ORDER BY action", ordered: true),
        Case(sql: "SELECT action, approx_percentile(numbytes, 0.5) AS m, approx_percentile(numbytes, 0.99) AS p99, approx_percentile(numpackets, 0) AS lo, approx_percentile(numpackets, 1) AS hi, approx_percentile(CAST(numbytes AS DOUBLE), 0.9) AS d, approx_percentile(destinationport, 0.25) AS q FROM vpcflow GROUP BY action ORDER BY action", ordered: true,
             duck: "SELECT action, quantile_disc(numbytes, 0.5) AS m, quantile_disc(numbytes, 0.99) AS p99, quantile_disc(numpackets, 0) AS lo, quantile_disc(numpackets, 1) AS hi, quantile_disc(CAST(numbytes AS DOUBLE), 0.9) AS d, quantile_disc(destinationport, 0.25) AS q FROM vpcflow GROUP BY action ORDER BY action"),
        Case(sql: "SELECT count(*) AS n FROM vpcflow WHERE numbytes > (SELECT approx_percentile(numbytes, 0.95) FROM vpcflow)", ordered: true,
             duck: "SELECT count(*) AS n FROM vpcflow WHERE numbytes > (SELECT quantile_disc(numbytes, 0.95) FROM vpcflow)"),
        Case(sql: "SELECT action, count(*) FILTER (WHERE destinationport = 443) AS https, sum(numbytes) FILTER (WHERE protocol = 6) AS tcp, count(DISTINCT sourceaddress) FILTER (WHERE numbytes > 1000) AS big, max(starttime) FILTER (WHERE logstatus = 'OK') AS m FROM vpcflow GROUP BY action ORDER BY action", ordered: true),
        Case(sql: "SELECT bitwise_and(tcpflags, 2) AS syn, bitwise_or(tcpflags, 1) AS o, bitwise_xor(tcpflags, 3) AS x, bitwise_not(tcpflags) AS n, count(*) AS c FROM vpcflow GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4", ordered: true,
             duck: "SELECT tcpflags & 2 AS syn, tcpflags | 1 AS o, xor(tcpflags, 3) AS x, ~tcpflags AS n, count(*) AS c FROM vpcflow GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"),
        Case(sql: "SELECT concat_ws(':', sourceaddress, CAST(destinationport AS VARCHAR), action) AS c, lpad(CAST(destinationport AS VARCHAR), 6, '0') AS l, rpad(coalesce(action, ''), 8, '.-') AS r FROM vpcflow WHERE protocol = 17 ORDER BY 1, 2, 3 LIMIT 20", ordered: true),
        Case(sql: "SELECT action, round(sum(CAST(numbytes AS DOUBLE)) / 1024, 3) AS kb, round(avg(CAST(numpackets AS DOUBLE) / CAST(numbytes AS DOUBLE)), 6) AS r FROM vpcflow WHERE numbytes > 0 GROUP BY action ORDER BY action", ordered: true),
        Case(sql: "SELECT action, cardinality(array_agg(DISTINCT destinationport)) AS d, cardinality(array_agg(destinationport)) AS n FROM vpcflow GROUP BY action ORDER BY action", ordered: true,
             duck: "SELECT action, len(array_agg(DISTINCT destinationport)) AS d, len(array_agg(destinationport)) AS n FROM vpcflow GROUP BY action ORDER BY action"),
        Case(sql: "SELECT interfaceid, arbitrary(instanceid) AS i, any_value(vpcid) AS v, count(*) AS n FROM vpcflow WHERE interfaceid IS NOT NULL GROUP BY interfaceid ORDER BY interfaceid LIMIT 20", ordered: true,
             duck: "SELECT interfaceid, min(instanceid) AS i, min(vpcid) AS v, count(*) AS n FROM vpcflow WHERE interfaceid IS NOT NULL GROUP BY interfaceid ORDER BY interfaceid LIMIT 20"),
        // Window functions: the top N per source, ranks, gaps between a pair's flows, partition
        // totals and running sums, first and last values over the default frame.
        Case(sql: "SELECT * FROM (SELECT sourceaddress, destinationport, sum(numbytes) AS b, row_number() OVER (PARTITION BY sourceaddress ORDER BY sum(numbytes) DESC, destinationport) AS rn FROM vpcflow WHERE action = 'ACCEPT' GROUP BY 1, 2) t WHERE rn <= 2 ORDER BY sourceaddress, rn LIMIT 40", ordered: true),
        Case(sql: "SELECT protocol, action, count(*) AS n, rank() OVER (PARTITION BY action ORDER BY count(*) DESC) AS r, dense_rank() OVER (ORDER BY protocol) AS d FROM vpcflow GROUP BY protocol, action ORDER BY action, r, protocol", ordered: true),
        Case(sql: "SELECT sourceaddress, destinationaddress, starttime, starttime - lag(starttime) OVER (PARTITION BY sourceaddress, destinationaddress ORDER BY starttime, endtime, numbytes) AS gap, lead(numbytes, 2, -1) OVER (PARTITION BY sourceaddress ORDER BY starttime, endtime, numbytes, destinationaddress) AS nxt FROM vpcflow WHERE destinationport IN (3333, 4444) ORDER BY 1, 2, 3, 4, 5", ordered: true),
        Case(sql: "SELECT action, protocol, count(*) AS n, sum(count(*)) OVER (PARTITION BY action) AS total, sum(count(*)) OVER (PARTITION BY action ORDER BY protocol) AS running, avg(count(*)) OVER () AS a, min(protocol) OVER (PARTITION BY action) AS lo, max(count(*)) OVER (ORDER BY protocol, action) AS hi, count(protocol) OVER (PARTITION BY action) AS c FROM vpcflow GROUP BY action, protocol ORDER BY action, protocol", ordered: true),
        Case(sql: "SELECT hour(from_unixtime(starttime)) AS h, count(*) AS n, sum(count(*)) OVER (ORDER BY hour(from_unixtime(starttime))) AS running, rank() OVER (ORDER BY count(*) DESC) AS r FROM vpcflow GROUP BY 1 ORDER BY 1", ordered: true,
             duck: "SELECT hour(make_timestamp(starttime * 1000000)) AS h, count(*) AS n, sum(count(*)) OVER (ORDER BY hour(make_timestamp(starttime * 1000000))) AS running, rank() OVER (ORDER BY count(*) DESC) AS r FROM vpcflow GROUP BY 1 ORDER BY 1"),
        Case(sql: "SELECT destinationport, starttime, numbytes, first_value(numbytes) OVER (PARTITION BY destinationport ORDER BY starttime, numbytes) AS f, last_value(numbytes) OVER (PARTITION BY destinationport ORDER BY starttime, numbytes) AS l, numbytes * 100 / sum(numbytes) OVER (PARTITION BY destinationport) AS pct FROM vpcflow WHERE destinationport IN (22, 3389) AND numbytes > 0 ORDER BY 1, 2, 3 LIMIT 60", ordered: true,
             duck: "SELECT destinationport, starttime, numbytes, first_value(numbytes) OVER (PARTITION BY destinationport ORDER BY starttime, numbytes) AS f, last_value(numbytes) OVER (PARTITION BY destinationport ORDER BY starttime, numbytes) AS l, numbytes * 100 // sum(numbytes) OVER (PARTITION BY destinationport) AS pct FROM vpcflow WHERE destinationport IN (22, 3389) AND numbytes > 0 ORDER BY 1, 2, 3 LIMIT 60"),
        // SELECT DISTINCT runs as GROUP BY of the selected expressions.
        Case(sql: "SELECT DISTINCT action, logstatus FROM vpcflow ORDER BY 1, 2", ordered: true),
        Case(sql: "SELECT DISTINCT protocol, action FROM vpcflow ORDER BY action DESC, 1 LIMIT 3", ordered: true),
        Case(sql: "SELECT DISTINCT sourceaddress, destinationport FROM vpcflow WHERE action = 'REJECT' AND destinationport < 100", ordered: false),
        Case(sql: "SELECT count(*) AS n, count(sourceaddress) AS a, count(srcport) AS p, sum(numbytes) AS b FROM vpcflow WHERE logstatus = 'NODATA'", ordered: true),
        Case(sql: "SELECT count(*) AS n FROM vpcflow WHERE sourceaddress LIKE '2600:%' OR destinationaddress LIKE '%::%'", ordered: true),
        Case(sql: "SELECT protocol, avg(numpackets) AS a, max(numbytes) AS m FROM vpcflow WHERE protocol IS NOT NULL GROUP BY protocol ORDER BY protocol", ordered: true),
        Case(sql: "SELECT date_partition, region_partition, account_partition, count(*) AS n FROM vpcflow GROUP BY date_partition, region_partition, account_partition ORDER BY date_partition", ordered: true),
        Case(sql: "SELECT count(*) AS n FROM vpcflow WHERE destinationport IN (3333, 4444, 14444, 45700) AND numbytes BETWEEN 100 AND 100000000", ordered: true),
        Case(sql: "SELECT DISTINCT destinationport FROM vpcflow WHERE destinationport < 1024 ORDER BY destinationport", ordered: true),
        Case(sql: "SELECT interfaceid, instanceid, sum(numbytes) AS b FROM vpcflow WHERE flow_direction = 'egress' AND destinationport = 443 GROUP BY interfaceid, instanceid HAVING sum(numbytes) > 1000 ORDER BY b DESC, interfaceid LIMIT 15", ordered: true),
        Case(sql: "SELECT \"flow-direction\", srcaddr, dstaddr, srcport, dstport, packets, start FROM vpcflow WHERE dstport = 4444 ORDER BY start, srcaddr, dstaddr, srcport, packets LIMIT 50", ordered: true),
        Case(sql: "SELECT sourceport, destinationport, numpackets * 2 + 1 AS x FROM vpcflow WHERE sourceport BETWEEN 50000 AND 50010 ORDER BY sourceport, destinationport, x", ordered: true),
        // Shapes the column kernels take (NOT over NULLs, constants on the left, IS NULL on text and numbers).
        Case(sql: "SELECT count(*) AS n FROM vpcflow WHERE NOT (action = 'ACCEPT') AND 1000 < numbytes", ordered: true),
        Case(sql: "SELECT count(*) AS n FROM vpcflow WHERE instanceid IS NULL AND NOT destinationaddress LIKE '10.%'", ordered: true),
        Case(sql: "SELECT count(*) AS n, sum(numpackets) AS p FROM vpcflow WHERE sourceport IS NULL OR destinationaddress NOT LIKE '52.%'", ordered: true),
        Case(sql: "SELECT logstatus, count(*) AS n FROM vpcflow WHERE flow_direction <> 'ingress' AND destinationport >= 1024 AND tcpflags IS NOT NULL GROUP BY logstatus ORDER BY logstatus", ordered: true),
        // The integer kernels, branch-free: every comparison operator, negated, over NULLs
        // (NODATA rows), an empty BETWEEN (low > high), a negative lower bound, NOT BETWEEN.
        Case(sql: "SELECT count(*) AS n FROM vpcflow WHERE numpackets = 3 OR numpackets <> 3 OR numpackets < 2", ordered: true),
        Case(sql: "SELECT count(*) AS a, sum(numpackets) AS b FROM vpcflow WHERE numpackets <= 7 AND NOT (numbytes > 90000) AND numbytes >= 60", ordered: true),
        Case(sql: "SELECT count(*) AS n FROM vpcflow WHERE NOT (numpackets < 5) AND NOT (destinationport <> 443)", ordered: true),
        Case(sql: "SELECT count(*) AS n FROM vpcflow WHERE numbytes BETWEEN 5000 AND 100", ordered: true),
        Case(sql: "SELECT count(*) AS n FROM vpcflow WHERE numbytes NOT BETWEEN 5000 AND 100", ordered: true),
        Case(sql: "SELECT count(*) AS n, sum(numbytes) AS b FROM vpcflow WHERE numpackets BETWEEN -5 AND 4 AND starttime NOT BETWEEN 0 AND 1699950000", ordered: true),
        // count(*) over blocks whose every row matches by their Min/Max indexes (counted, not
        // read), beside blocks that must be read: a window, IN lists, columns with NULLs.
        Case(sql: "SELECT count(*) AS n FROM vpcflow WHERE starttime BETWEEN 0 AND 4000000000", ordered: true),
        Case(sql: "SELECT count(*) AS n, count(*) AS m FROM vpcflow WHERE starttime >= 1699930000 AND 1699990000 > starttime AND version IN (2, 5, 7)", ordered: true),
        Case(sql: "SELECT count(*) AS n FROM vpcflow WHERE numpackets >= 1 AND numbytes >= 1", ordered: true),
        // More kernel shapes: IN and NOT IN on text, numbers and addresses (a non-canonical
        // address literal equals nothing), NOT BETWEEN, <> on an address, CIDR containment.
        Case(sql: "SELECT count(*) AS n, sum(numbytes) AS b FROM vpcflow WHERE action IN ('REJECT', 'nothing') AND protocol NOT IN (6) AND destinationport NOT BETWEEN 1 AND 1023", ordered: true),
        Case(sql: "SELECT count(*) AS n FROM vpcflow WHERE destinationaddress <> '10.0.0.5' AND sourceaddress NOT IN ('10.0.0.1', '10.00.0.2') AND logstatus IN ('OK')", ordered: true),
        // Address lists decided per dictionary code by binary search (both families, an absent
        // address, NULL rows on both sides of NOT IN).
        Case(sql: "SELECT destinationaddress, count(*) AS n FROM vpcflow WHERE destinationaddress IN ('10.0.2.193', '10.0.2.52', '2600:1f18:8520:2600:f2ac:e93d:89aa:c16a', '203.0.113.254') GROUP BY 1 ORDER BY 1", ordered: true),
        Case(sql: "SELECT count(*) AS n, count(destinationaddress) AS d FROM vpcflow WHERE destinationaddress NOT IN ('10.0.2.193', '10.0.2.52', '2600:1f18:8520:2600:f2ac:e93d:89aa:c16a', '203.0.113.254')", ordered: true),
        Case(sql: "SELECT sourceaddress, count(*) AS n FROM vpcflow WHERE contains('10.0.0.0/8', CAST(sourceaddress AS IPADDRESS)) GROUP BY sourceaddress ORDER BY n DESC, sourceaddress LIMIT 40", ordered: true,
             duck: "SELECT sourceaddress, count(*) AS n FROM vpcflow WHERE sourceaddress LIKE '10.%' GROUP BY sourceaddress ORDER BY n DESC, sourceaddress LIMIT 40"),
        // Address filters decided on dictionary codes (the address columns read by WHERE only),
        // and blocks where no row passes (their other columns are never decoded).
        Case(sql: "SELECT count(*) AS n, sum(numbytes) AS b FROM vpcflow WHERE destinationaddress NOT LIKE '10.%' AND sourceaddress LIKE '10.0.%'", ordered: true),
        Case(sql: "SELECT count(*) AS n, sum(numbytes) AS b, max(starttime) AS t FROM vpcflow WHERE destinationaddress = '203.0.113.77'", ordered: true),
        // Address GROUP BY keys read from dictionary codes (never expanded), with IS NULL kernels on them.
        Case(sql: "SELECT count(*) AS n FROM vpcflow WHERE destinationaddress IS NOT NULL AND destinationaddress NOT LIKE '10.%'", ordered: true),
        Case(sql: "SELECT sourceaddress, destinationaddress, count(*) AS n, sum(numbytes) AS b FROM vpcflow WHERE destinationaddress IS NOT NULL AND destinationaddress LIKE '52.%' GROUP BY sourceaddress, destinationaddress ORDER BY n DESC, sourceaddress, destinationaddress LIMIT 20", ordered: true),
        Case(sql: "SELECT sourceaddress, destinationport, count(*) AS n FROM vpcflow WHERE sourceaddress IS NULL GROUP BY sourceaddress, destinationport ORDER BY n DESC, destinationport LIMIT 10", ordered: true),
        // Group output orders: addresses as text (IPv4 and IPv6 mixed), text descending with NULLs
        // last, averages, computed keys (time buckets, arithmetic, CASE).
        Case(sql: "SELECT destinationaddress, count(*) AS n, sum(numbytes) AS b FROM vpcflow GROUP BY destinationaddress ORDER BY destinationaddress DESC", ordered: true),
        Case(sql: "SELECT instanceid, count(*) AS n FROM vpcflow GROUP BY instanceid ORDER BY instanceid DESC", ordered: true),
        Case(sql: "SELECT destinationport, avg(numbytes) AS a, min(numpackets) AS lo, max(numpackets) AS hi FROM vpcflow WHERE destinationport IS NOT NULL GROUP BY destinationport ORDER BY a DESC, destinationport LIMIT 20", ordered: true),
        // Selective filters (a few rows per block pass): integer columns decoded for those rows only.
        Case(sql: "SELECT count(*) AS n, sum(numbytes) AS b, min(starttime) AS s, max(numpackets) AS p, count(numbytes) AS c FROM vpcflow WHERE destinationport = 4444", ordered: true),
        Case(sql: "SELECT logstatus, count(*) AS n, sum(numbytes) AS b, count(numpackets) AS c, max(endtime) AS e FROM vpcflow WHERE logstatus = 'SKIPDATA' GROUP BY logstatus ORDER BY logstatus", ordered: true),
        // Top talkers with HAVING: each worker picks its own candidates (it owns its groups).
        Case(sql: "SELECT sourceaddress, sum(numbytes) AS b FROM vpcflow GROUP BY sourceaddress HAVING count(*) > 3 ORDER BY b DESC, sourceaddress LIMIT 10", ordered: true),
        Case(sql: "SELECT date_format(date_trunc('hour', from_unixtime(starttime)), '%Y-%m-%d %H') AS h, date_trunc('hour', from_unixtime(starttime)) AS t, sum(numbytes) AS b, count(*) AS n FROM vpcflow GROUP BY 1, 2 ORDER BY t",
             ordered: true,
             duck: "SELECT strftime(date_trunc('hour', make_timestamp(starttime * 1000000)), '%Y-%m-%d %H') AS h, strftime(date_trunc('hour', make_timestamp(starttime * 1000000)), '%Y-%m-%d %H:%M:%S') || '.000' AS t, sum(numbytes) AS b, count(*) AS n FROM vpcflow GROUP BY 1, 2 ORDER BY 2"),
        Case(sql: "SELECT endtime - starttime AS d, count(*) AS n, sum(numpackets) AS p FROM vpcflow GROUP BY endtime - starttime ORDER BY n DESC, d LIMIT 20", ordered: true),
        // Subqueries in FROM and joins with them: AWS's "Daily Transfer Report on Top 10 Internal
        // IPs" demo query with constants that match the generated data (rows repeat once per
        // matching subquery row, as in Trino), a LEFT JOIN with unmatched rows, and a subquery alone.
        Case(sql: dailyTransfer, ordered: true,
             duck: dailyTransfer.replacingOccurrences(of: "vpcflow.event_date", with: "strftime(make_timestamp(vpcflow.starttime * 1000000), '%Y-%m-%d')")),
        Case(sql: "SELECT t.destinationport, t.n, count(*) AS flows FROM vpcflow LEFT JOIN (SELECT destinationport, count(*) AS n FROM vpcflow WHERE action = 'REJECT' GROUP BY destinationport) t ON t.destinationport = vpcflow.destinationport WHERE vpcflow.protocol = 6 GROUP BY t.destinationport, t.n ORDER BY flows DESC, t.destinationport LIMIT 20", ordered: true),
        Case(sql: "SELECT a, sum(n) AS total, count(*) AS ports FROM (SELECT action AS a, destinationport, count(*) AS n FROM vpcflow GROUP BY action, destinationport) x WHERE n > 5 GROUP BY a ORDER BY a", ordered: true),
        // One dictionary-coded key (aggregated by block code first), NULL keys and NULL arguments included.
        Case(sql: "SELECT instanceid, count(*) AS n, count(srcport) AS p, sum(numbytes) AS b, min(starttime) AS s, max(numpackets) AS m FROM vpcflow GROUP BY instanceid ORDER BY instanceid", ordered: true),
        Case(sql: "SELECT sourceaddress, count(*) AS n, count(destinationport) AS d, min(numbytes) AS lo, avg(numpackets) AS a FROM vpcflow GROUP BY sourceaddress ORDER BY n DESC, sourceaddress LIMIT 30", ordered: true),
        // Top-N over many groups (only the candidates are sorted): NULL keys, NULLS FIRST, ties at the cut.
        Case(sql: "SELECT sourceaddress, sum(numbytes) AS b FROM vpcflow GROUP BY sourceaddress ORDER BY b DESC, sourceaddress LIMIT 5", ordered: true),
        Case(sql: "SELECT sourceaddress, sum(numbytes) AS b FROM vpcflow GROUP BY sourceaddress ORDER BY b ASC NULLS FIRST, sourceaddress LIMIT 5", ordered: true),
        Case(sql: "SELECT destinationport, count(*) AS n FROM vpcflow GROUP BY destinationport ORDER BY n, destinationport LIMIT 7", ordered: true),
        // Results of more than 65 536 rows (CSV written in several chunks by several threads):
        // plain rows, and groups whose keys are written from the group table.
        Case(sql: "SELECT v.sourceport, v.destinationport, t.action, v.numbytes FROM vpcflow v CROSS JOIN (SELECT action FROM vpcflow WHERE action IS NOT NULL GROUP BY action) t ORDER BY v.sourceport, v.destinationport, t.action, v.numbytes", ordered: true),
        Case(sql: "SELECT v.sourceaddress, v.sourceport, t.action, count(*) AS n FROM vpcflow v CROSS JOIN (SELECT action FROM vpcflow WHERE action IS NOT NULL GROUP BY action) t GROUP BY v.sourceaddress, v.sourceport, t.action ORDER BY n DESC, v.sourceaddress, v.sourceport, t.action", ordered: true),
        // Text comparisons outside WHERE and the group keys (their per-block caches must be sized too).
        Case(sql: "SELECT sourceport, action, numbytes FROM vpcflow WHERE destinationport = 3333 ORDER BY action = 'ACCEPT', sourceport, numbytes, action LIMIT 20", ordered: true),
        Case(sql: "SELECT count(*) AS n FROM vpcflow JOIN (SELECT action FROM vpcflow WHERE action IS NOT NULL GROUP BY action) t ON t.action = vpcflow.action AND vpcflow.logstatus = 'OK'", ordered: true),
        // IN (subquery), NOT IN (subquery), an empty IN subquery, a scalar subquery.
        Case(sql: "SELECT destinationport, count(*) AS n FROM vpcflow WHERE destinationaddress IN (SELECT destinationaddress FROM vpcflow WHERE destinationport = 3333) GROUP BY destinationport ORDER BY n DESC, destinationport LIMIT 10", ordered: true),
        Case(sql: "SELECT count(*) AS n FROM vpcflow WHERE sourceaddress NOT IN (SELECT DISTINCT destinationaddress FROM vpcflow WHERE destinationaddress LIKE '10.%') AND destinationport IN (SELECT destinationport FROM vpcflow WHERE destinationport < 0) OR numbytes > (SELECT avg(numbytes) FROM vpcflow) * 10", ordered: true),
        // Long IN subquery lists evaluated row by row (under OR): hash sets, NULL semantics kept.
        Case(sql: "SELECT count(*) AS n, sum(numpackets) AS p FROM vpcflow WHERE destinationaddress IN (SELECT destinationaddress FROM vpcflow WHERE destinationport = 443) OR destinationport = 3333", ordered: true),
        Case(sql: "SELECT count(*) AS n FROM vpcflow WHERE sourceport NOT IN (SELECT sourceport FROM vpcflow WHERE protocol = 17) OR numbytes < 100", ordered: true),
        Case(sql: "SELECT CASE WHEN numbytes > 10000 THEN 'big' WHEN numbytes > 0 THEN 'small' END AS size, action, count(*) AS n FROM vpcflow GROUP BY 1, 2 ORDER BY size DESC, action", ordered: true),
        // WITH queries: one read by a later one (with a column list) and the body, one read by
        // an IN subquery.
        Case(sql: "WITH t AS (SELECT sourceaddress, sum(numbytes) AS b FROM vpcflow GROUP BY sourceaddress), u (a, total) AS (SELECT sourceaddress, b FROM t WHERE b > 1000) SELECT a, total FROM u ORDER BY total DESC, a LIMIT 10", ordered: true),
        Case(sql: "WITH p AS (SELECT destinationaddress FROM vpcflow WHERE destinationport = 3333), vpcflow_egress AS (SELECT * FROM vpcflow WHERE flow_direction = 'egress') SELECT count(*) AS n, sum(numbytes) AS b FROM vpcflow_egress WHERE destinationaddress IN (SELECT destinationaddress FROM p)", ordered: true),
        // Subqueries in FROM merged into the query over the archive (SubqueryMerging): over
        // groups (outer WHERE as HAVING, ORDER BY an output name that is also an inner name,
        // qualified names, the inner GROUP BY by ordinal), and over a filter (outer GROUP BY an
        // alias, HAVING, DISTINCT).
        Case(sql: "WITH t AS (SELECT sourceaddress, sum(numbytes) AS b, count(*) AS n FROM vpcflow GROUP BY sourceaddress) SELECT sourceaddress, b FROM t WHERE n > 2 AND sourceaddress LIKE '10.%' ORDER BY b DESC, sourceaddress LIMIT 5", ordered: true),
        Case(sql: "SELECT b AS n, n AS b, sourceaddress FROM (SELECT sourceaddress, sum(numbytes) AS b, count(*) AS n FROM vpcflow GROUP BY sourceaddress) ORDER BY b DESC, n DESC, sourceaddress LIMIT 5", ordered: true),
        Case(sql: "SELECT x.h, x.n FROM (SELECT hour(from_unixtime(starttime)) AS h, count(*) AS n FROM vpcflow GROUP BY 1) x WHERE x.n > 100 ORDER BY 1", ordered: true,
             duck: "SELECT x.h, x.n FROM (SELECT hour(make_timestamp(starttime * 1000000)) AS h, count(*) AS n FROM vpcflow GROUP BY 1) x WHERE x.n > 100 ORDER BY 1"),
        Case(sql: "SELECT p, count(*) AS n FROM (SELECT destinationport AS p, sourceaddress FROM vpcflow WHERE protocol = 17) x GROUP BY p HAVING count(DISTINCT sourceaddress) > 1 ORDER BY n DESC, p LIMIT 5", ordered: true),
        Case(sql: "WITH e AS (SELECT * FROM vpcflow WHERE flow_direction = 'egress') SELECT DISTINCT action FROM e WHERE numbytes > 1000 AND action IS NOT NULL ORDER BY action", ordered: true),
        // CASE WHEN over column arrays (count_if, sums of CASE), grouped by address and by code.
        Case(sql: "SELECT sourceaddress, count_if(action = 'REJECT') AS r, sum(CASE WHEN destinationport IN (3333, 4444) THEN numbytes WHEN protocol = 17 THEN 1 ELSE 0 END) AS s, count(CASE WHEN logstatus IS NULL OR NOT (destinationport BETWEEN 1 AND 1023) THEN 1 END) AS c FROM vpcflow GROUP BY sourceaddress ORDER BY r DESC, s DESC, sourceaddress LIMIT 20", ordered: true,
             duck: "SELECT sourceaddress, count(CASE WHEN action = 'REJECT' THEN 1 END) AS r, sum(CASE WHEN destinationport IN (3333, 4444) THEN numbytes WHEN protocol = 17 THEN 1 ELSE 0 END) AS s, count(CASE WHEN logstatus IS NULL OR NOT (destinationport BETWEEN 1 AND 1023) THEN 1 END) AS c FROM vpcflow GROUP BY sourceaddress ORDER BY r DESC, s DESC, sourceaddress LIMIT 20"),
        Case(sql: "SELECT instanceid, count_if(action = 'REJECT') AS r, sum(CASE WHEN action = 'ACCEPT' THEN numpackets END) AS p FROM vpcflow GROUP BY instanceid ORDER BY instanceid", ordered: true,
             duck: "SELECT instanceid, count(CASE WHEN action = 'REJECT' THEN 1 END) AS r, sum(CASE WHEN action = 'ACCEPT' THEN numpackets END) AS p FROM vpcflow GROUP BY instanceid ORDER BY instanceid"),
        // Text functions, coalesce and || (NULL in, NULL out), grouped on their results.
        Case(sql: "SELECT lower(action) AS a, upper(logstatus) AS l, length(interfaceid) AS n, split_part(interfaceid, '-', 2) AS id, strpos(sourceaddress, '.') AS p, substr(subnetid, 8, 4) AS s, replace(vpcid, 'vpc-', 'v') AS r, coalesce(instanceid, 'none') AS i, sourceaddress || ':' || CAST(sourceport AS varchar) AS sp, trim(az_id) AS z, reverse(region) AS g, starts_with(sourceaddress, '10.') AS ten, count(*) AS c FROM vpcflow WHERE destinationport IN (22, 3333, 4444) OR logstatus <> 'OK' GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12",
             ordered: false),
        // WHERE on functions of one text column (decided per dictionary code, NULL's code too),
        // and of two (row by row).
        Case(sql: "SELECT action, logstatus, count(*) AS n FROM vpcflow WHERE lower(action) = 'reject' OR coalesce(instanceid, 'none') = 'none' GROUP BY 1, 2 ORDER BY 1, 2", ordered: true),
        Case(sql: "SELECT count(*) AS n, sum(numbytes) AS b FROM vpcflow WHERE coalesce(instanceid, 'none') = 'none' AND NOT (upper(flow_direction) = 'EGRESS') AND split_part(interfaceid, '-', 2) LIKE '0%' AND length(trim(subnetid)) > 3", ordered: true),
        // Parts of timestamps (hour, minute and day of week vectorized; the others row by row).
        Case(sql: "SELECT hour(from_unixtime(starttime)) AS h, day_of_week(from_unixtime(starttime)) AS d, day_of_year(from_unixtime(starttime)) AS y, week(from_unixtime(starttime)) AS w, year(from_unixtime(starttime)) AS yr, month(from_unixtime(starttime)) AS mo, day(from_unixtime(starttime)) AS dd, quarter(from_unixtime(starttime)) AS q, count(*) AS n, sum(minute(from_unixtime(endtime))) AS m, sum(second(from_unixtime(endtime))) AS s FROM vpcflow GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8", ordered: true,
             duck: "SELECT hour(make_timestamp(starttime * 1000000)) AS h, isodow(make_timestamp(starttime * 1000000)) AS d, dayofyear(make_timestamp(starttime * 1000000)) AS y, week(make_timestamp(starttime * 1000000)) AS w, year(make_timestamp(starttime * 1000000)) AS yr, month(make_timestamp(starttime * 1000000)) AS mo, day(make_timestamp(starttime * 1000000)) AS dd, quarter(make_timestamp(starttime * 1000000)) AS q, count(*) AS n, sum(minute(make_timestamp(endtime * 1000000))) AS m, sum(second(make_timestamp(endtime * 1000000))) AS s FROM vpcflow GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8"),
        // DATE: the day of a timestamp as a group key and in WHERE (a range of seconds there).
        Case(sql: "SELECT date(from_unixtime(starttime)) AS d, count(*) AS n, min(CAST(from_unixtime(endtime) AS DATE)) AS e, max(date_trunc('month', date(from_unixtime(starttime)))) AS m FROM vpcflow WHERE date(from_unixtime(starttime)) >= DATE '2023-11-14' + INTERVAL '1' DAY OR CAST(from_unixtime(endtime) AS DATE) = '2023-11-14' GROUP BY 1 ORDER BY 1", ordered: true,
             duck: "SELECT CAST(make_timestamp(starttime * 1000000) AS DATE) AS d, count(*) AS n, min(CAST(make_timestamp(endtime * 1000000) AS DATE)) AS e, max(CAST(date_trunc('month', CAST(make_timestamp(starttime * 1000000) AS DATE)) AS DATE)) AS m FROM vpcflow WHERE CAST(make_timestamp(starttime * 1000000) AS DATE) >= DATE '2023-11-14' + INTERVAL 1 DAY OR CAST(make_timestamp(endtime * 1000000) AS DATE) = DATE '2023-11-14' GROUP BY 1 ORDER BY 1"),
        // max_by / min_by (rows whose ordering value is NULL left out; ties to the least value),
        // grouped by address across three workers.
        Case(sql: "SELECT sourceaddress, max_by(destinationaddress, numbytes) AS top, min_by(destinationport, starttime) AS first_port, max_by(instanceid, numpackets) AS i, count(*) AS n FROM vpcflow GROUP BY sourceaddress ORDER BY n DESC, sourceaddress LIMIT 30", ordered: true,
             duck: "SELECT sourceaddress, first(destinationaddress ORDER BY numbytes DESC, destinationaddress) FILTER (WHERE numbytes IS NOT NULL) AS top, first(destinationport ORDER BY starttime, destinationport) FILTER (WHERE starttime IS NOT NULL) AS first_port, first(instanceid ORDER BY numpackets DESC, instanceid NULLS LAST) FILTER (WHERE numpackets IS NOT NULL) AS i, count(*) AS n FROM vpcflow GROUP BY sourceaddress ORDER BY n DESC, sourceaddress NULLS LAST LIMIT 30"),
        Case(sql: "SELECT logstatus, count(*) AS n FROM vpcflow WHERE action IS NOT DISTINCT FROM NULL OR (logstatus IS DISTINCT FROM 'OK' AND action IS DISTINCT FROM 'ACCEPT') GROUP BY logstatus ORDER BY logstatus", ordered: true),
        // regexp_like (Java's syntax run as POSIX EREs; DuckDB: RE2's regexp_matches), per
        // dictionary code on text columns and per row on addresses.
        Case(sql: "SELECT action, count(*) AS n FROM vpcflow WHERE regexp_like(interfaceid, 'eni-0[0-9a-f]{2}[13]') AND regexp_like(destinationaddress, '^(10|172)\\.\\d+\\.') OR regexp_like(logstatus, '(?i)^skip') GROUP BY action ORDER BY action", ordered: true,
             duck: "SELECT action, count(*) AS n FROM vpcflow WHERE regexp_matches(interfaceid, 'eni-0[0-9a-f]{2}[13]') AND regexp_matches(destinationaddress, '^(10|172)\\.\\d+\\.') OR regexp_matches(logstatus, '(?i)^skip') GROUP BY action ORDER BY action NULLS LAST"),
        // Predicates of one address column decided per dictionary entry (NULL's code too) or per row.
        Case(sql: "SELECT count(*) AS n, sum(numbytes) AS b FROM vpcflow WHERE coalesce(pkt_srcaddr, 'none') = 'none' AND destinationaddress LIKE '%.1_' AND split_part(sourceaddress, '.', 2) <> '0'", ordered: true),
        Case(sql: "SELECT logstatus, count(*) AS n FROM vpcflow WHERE coalesce(sourceaddress, 'none') = 'none' GROUP BY logstatus ORDER BY logstatus", ordered: true),
        Case(sql: "SELECT protocol, count(*) AS n FROM vpcflow WHERE NOT regexp_like(sourceaddress, '^(10|172)\\.') AND length(destinationaddress) < 12 GROUP BY protocol ORDER BY protocol", ordered: true,
             duck: "SELECT protocol, count(*) AS n FROM vpcflow WHERE NOT regexp_matches(sourceaddress, '^(10|172)\\.') AND length(destinationaddress) < 12 GROUP BY protocol ORDER BY protocol NULLS LAST"),
        // UNION ALL and UNION (left to right), ordered and cut as a whole; a union in FROM and in IN.
        Case(sql: "SELECT sourceaddress AS a, 'pool' AS why, numbytes FROM vpcflow WHERE destinationport IN (3333, 4444) UNION ALL SELECT destinationaddress, 'ssh', numpackets FROM vpcflow WHERE destinationport = 22 AND action = 'REJECT' UNION SELECT sourceaddress, 'pool', numbytes FROM vpcflow WHERE destinationport = 3333 ORDER BY 2, 1, 3 DESC LIMIT 40", ordered: true,
             duck: "(SELECT sourceaddress AS a, 'pool' AS why, numbytes FROM vpcflow WHERE destinationport IN (3333, 4444) UNION ALL SELECT destinationaddress, 'ssh', numpackets FROM vpcflow WHERE destinationport = 22 AND action = 'REJECT') UNION SELECT sourceaddress, 'pool', numbytes FROM vpcflow WHERE destinationport = 3333 ORDER BY 2, 1, 3 DESC NULLS LAST LIMIT 40"),
        Case(sql: "SELECT x, count(*) AS n FROM (SELECT action AS x FROM vpcflow WHERE protocol = 17 UNION ALL SELECT logstatus FROM vpcflow WHERE protocol = 6) u GROUP BY x ORDER BY n DESC, x", ordered: true),
        Case(sql: "SELECT count(*) AS n FROM vpcflow WHERE sourceaddress IN (SELECT destinationaddress FROM vpcflow WHERE destinationport = 3333 UNION SELECT sourceaddress FROM vpcflow WHERE destinationport = 4444)", ordered: true),
        // regexp_extract / regexp_replace / regexp_count (Java's leftmost-first extents, as RE2's
        // for these patterns): groups, no match (Trino's NULL, DuckDB's '' made NULL), a /24
        // rollup by replacement, group references ($1 in Trino, \\1 in DuckDB), a per-entry filter.
        Case(sql: "SELECT regexp_extract(interface_id, 'eni-([0-9a-f]{2})', 1) AS p, count(*) AS n FROM vpcflow GROUP BY 1 ORDER BY n DESC, p LIMIT 20", ordered: true),
        Case(sql: "SELECT regexp_replace(sourceaddress, '\\.\\d+$', '.0/24') AS net, count(*) AS n, sum(numbytes) AS b FROM vpcflow WHERE regexp_like(sourceaddress, '^10\\.') GROUP BY 1 ORDER BY b DESC LIMIT 15", ordered: true,
             duck: "SELECT regexp_replace(sourceaddress, '\\.\\d+$', '.0/24') AS net, count(*) AS n, sum(numbytes) AS b FROM vpcflow WHERE regexp_matches(sourceaddress, '^10\\.') GROUP BY 1 ORDER BY b DESC LIMIT 15"),
        Case(sql: "SELECT regexp_replace(instance_id, '^i-0*([0-9a-f]{3}).*$', 'host-$1') AS h, count(*) AS n FROM vpcflow GROUP BY 1 ORDER BY n DESC, h LIMIT 15", ordered: true,
             duck: "SELECT regexp_replace(instance_id, '^i-0*([0-9a-f]{3}).*$', 'host-\\1') AS h, count(*) AS n FROM vpcflow GROUP BY 1 ORDER BY n DESC, h NULLS LAST LIMIT 15"),
        Case(sql: "SELECT regexp_count(destinationaddress, '[0-9a-f]+') AS parts, count(*) AS n FROM vpcflow GROUP BY 1 ORDER BY 1", ordered: true,
             duck: "SELECT len(regexp_extract_all(destinationaddress, '[0-9a-f]+')) AS parts, count(*) AS n FROM vpcflow GROUP BY 1 ORDER BY 1 NULLS LAST"),
        Case(sql: "SELECT regexp_extract(destinationaddress, '^(\\d+)\\.(\\d+)\\.', 2) AS o2, count(*) AS n FROM vpcflow GROUP BY 1 ORDER BY n DESC, o2 LIMIT 12", ordered: true,
             duck: "SELECT CASE WHEN regexp_matches(destinationaddress, '^(\\d+)\\.(\\d+)\\.') THEN regexp_extract(destinationaddress, '^(\\d+)\\.(\\d+)\\.', 2) END AS o2, count(*) AS n FROM vpcflow GROUP BY 1 ORDER BY n DESC, o2 NULLS LAST LIMIT 12"),
        Case(sql: "SELECT flow_direction, count(*) AS n, sum(numbytes) AS b FROM vpcflow WHERE regexp_extract(az_id, '-(az\\d)$', 1) = 'az4' AND regexp_count(subnet_id, '[a-f]') > 6 GROUP BY 1 ORDER BY 1", ordered: true,
             duck: "SELECT flow_direction, count(*) AS n, sum(numbytes) AS b FROM vpcflow WHERE regexp_extract(az_id, '-(az\\d)$', 1) = 'az4' AND len(regexp_extract_all(subnet_id, '[a-f]')) > 6 GROUP BY 1 ORDER BY 1 NULLS LAST"),
        // regexp_like with \b, which POSIX cannot express: the backtracking matcher, per entry.
        Case(sql: "SELECT protocol, count(*) AS n FROM vpcflow WHERE regexp_like(sourceaddress, '\\b10\\b') AND NOT regexp_like(interface_id, '\\b[0-9a-f]{2}0') GROUP BY 1 ORDER BY 1", ordered: true,
             duck: "SELECT protocol, count(*) AS n FROM vpcflow WHERE regexp_matches(sourceaddress, '\\b10\\b') AND NOT regexp_matches(interface_id, '\\b[0-9a-f]{2}0') GROUP BY 1 ORDER BY 1 NULLS LAST"),
        // Text read as times: date_parse of the partition's day and of date_format's own output
        // (month names, a 12-hour clock), from_iso8601_timestamp with a zone and with Z.
        Case(sql: "SELECT date_partition, count(*) AS n FROM vpcflow WHERE date_parse(date_partition, '%Y/%m/%d') >= TIMESTAMP '2023-11-15 00:00:00' GROUP BY 1 ORDER BY 1", ordered: true,
             duck: "SELECT date_partition, count(*) AS n FROM vpcflow WHERE strptime(date_partition, '%Y/%m/%d') >= TIMESTAMP '2023-11-15 00:00:00' GROUP BY 1 ORDER BY 1"),
        Case(sql: "SELECT date_parse(date_format(from_unixtime(starttime), '%d/%b/%Y %h %p'), '%d/%b/%Y %h %p') AS h, count(*) AS n FROM vpcflow GROUP BY 1 ORDER BY 1", ordered: true,
             duck: "SELECT strftime(date_trunc('hour', make_timestamp(starttime * 1000000)), '%Y-%m-%d %H:%M:%S.000') AS h, count(*) AS n FROM vpcflow GROUP BY 1 ORDER BY 1 NULLS LAST"),
        Case(sql: "SELECT count(*) AS n, sum(numbytes) AS b FROM vpcflow WHERE from_unixtime(starttime) >= from_iso8601_timestamp('2023-11-14T20:00:00-02:00') AND from_unixtime(starttime) < from_iso8601_timestamp('2023-11-15T06:30:00Z')", ordered: true,
             duck: "SELECT count(*) AS n, sum(numbytes) AS b FROM vpcflow WHERE make_timestamp(starttime * 1000000) >= TIMESTAMP '2023-11-14 22:00:00' AND make_timestamp(starttime * 1000000) < TIMESTAMP '2023-11-15 06:30:00'"),
        // ntile (the first rows % n buckets a row larger), percent_rank and cume_dist (peers alike).
        Case(sql: "SELECT sourceaddress, numbytes, sourceport, ntile(3) OVER (PARTITION BY sourceaddress ORDER BY numbytes, starttime, sourceport) AS q, percent_rank() OVER (PARTITION BY sourceaddress ORDER BY numbytes) AS pr, cume_dist() OVER (ORDER BY destinationport) AS cd FROM vpcflow WHERE destinationport IN (3333, 4444, 14444) ORDER BY sourceaddress, numbytes, starttime, sourceport", ordered: true),
        Case(sql: "SELECT q, count(*) AS n, min(numbytes) AS lo, max(numbytes) AS hi FROM (SELECT numbytes, ntile(7) OVER (ORDER BY numbytes, starttime, sourceport, sourceaddress) AS q FROM vpcflow WHERE protocol = 17) t GROUP BY q ORDER BY q", ordered: true),
        // ROWS frames: moving sums and averages, open at either end, empty at the partition's edges.
        Case(sql: "SELECT sourceaddress, starttime, numbytes, sourceport, sum(numbytes) OVER (PARTITION BY sourceaddress ORDER BY starttime, numbytes, sourceport, destinationport ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS s3, avg(numbytes) OVER (PARTITION BY sourceaddress ORDER BY starttime, numbytes, sourceport, destinationport ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS a, count(numbytes) OVER (PARTITION BY sourceaddress ORDER BY starttime, numbytes, sourceport, destinationport ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before, min(numbytes) OVER (PARTITION BY sourceaddress ORDER BY starttime, numbytes, sourceport, destinationport ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS later_min, first_value(numbytes) OVER (PARTITION BY sourceaddress ORDER BY starttime, numbytes, sourceport, destinationport ROWS BETWEEN 2 FOLLOWING AND 4 FOLLOWING) AS f, max(numbytes) OVER (PARTITION BY sourceaddress ORDER BY starttime, numbytes, sourceport, destinationport ROWS UNBOUNDED PRECEDING) AS running FROM vpcflow WHERE destinationport IN (3333, 4444, 14444) ORDER BY 1, 2, 3, 4, destinationport", ordered: true),
        // INTERSECT and EXCEPT, DISTINCT and ALL (multisets, counted through a subquery); INTERSECT
        // binds tighter than UNION and EXCEPT; operands in parentheses keep their own ORDER BY and
        // LIMIT; NULL rows are equal in set operations.
        Case(sql: "SELECT sourceaddress FROM vpcflow WHERE destinationport = 3333 INTERSECT SELECT sourceaddress FROM vpcflow WHERE destinationport = 53 ORDER BY 1", ordered: true),
        Case(sql: "SELECT sourceaddress, destinationport FROM vpcflow WHERE destinationport IN (3333, 4444) EXCEPT SELECT sourceaddress, destinationport FROM vpcflow WHERE action = 'REJECT' ORDER BY 1, 2", ordered: true),
        Case(sql: "SELECT protocol, action, flow_direction, count(*) AS n FROM (SELECT protocol, action, flow_direction FROM vpcflow WHERE numpackets > 2 OR logstatus = 'SKIPDATA' EXCEPT ALL SELECT protocol, action, flow_direction FROM vpcflow WHERE numbytes > 1000 OR logstatus = 'NODATA') t GROUP BY 1, 2, 3 ORDER BY 1, 2, 3", ordered: true,
             duck: "SELECT protocol, action, flow_direction, count(*) AS n FROM (SELECT protocol, action, flow_direction FROM vpcflow WHERE numpackets > 2 OR logstatus = 'SKIPDATA' EXCEPT ALL SELECT protocol, action, flow_direction FROM vpcflow WHERE numbytes > 1000 OR logstatus = 'NODATA') t GROUP BY 1, 2, 3 ORDER BY 1 NULLS LAST, 2 NULLS LAST, 3 NULLS LAST"),
        Case(sql: "SELECT protocol, action, flow_direction, count(*) AS n FROM (SELECT protocol, action, flow_direction FROM vpcflow WHERE numpackets > 2 OR logstatus = 'SKIPDATA' INTERSECT ALL SELECT protocol, action, flow_direction FROM vpcflow WHERE numbytes > 1000 OR logstatus = 'NODATA') t GROUP BY 1, 2, 3 ORDER BY 1, 2, 3", ordered: true,
             duck: "SELECT protocol, action, flow_direction, count(*) AS n FROM (SELECT protocol, action, flow_direction FROM vpcflow WHERE numpackets > 2 OR logstatus = 'SKIPDATA' INTERSECT ALL SELECT protocol, action, flow_direction FROM vpcflow WHERE numbytes > 1000 OR logstatus = 'NODATA') t GROUP BY 1, 2, 3 ORDER BY 1 NULLS LAST, 2 NULLS LAST, 3 NULLS LAST"),
        Case(sql: "SELECT sourceaddress AS a FROM vpcflow WHERE destinationport = 3333 UNION SELECT destinationaddress FROM vpcflow WHERE sourceport = 22 INTERSECT SELECT sourceaddress FROM vpcflow WHERE destinationport = 22 EXCEPT SELECT sourceaddress FROM vpcflow WHERE destinationport = 4444 ORDER BY a", ordered: true,
             duck: "((SELECT sourceaddress AS a FROM vpcflow WHERE destinationport = 3333) UNION ((SELECT destinationaddress FROM vpcflow WHERE sourceport = 22) INTERSECT (SELECT sourceaddress FROM vpcflow WHERE destinationport = 22))) EXCEPT (SELECT sourceaddress FROM vpcflow WHERE destinationport = 4444) ORDER BY a"),
        Case(sql: "(SELECT sourceaddress AS a, sum(numbytes) AS b FROM vpcflow GROUP BY 1 ORDER BY b DESC LIMIT 3) UNION ALL (SELECT destinationaddress, sum(numbytes) FROM vpcflow GROUP BY 1 ORDER BY 2 DESC LIMIT 3) ORDER BY b DESC, a", ordered: true),
        Case(sql: "SELECT sourceaddress, destinationport FROM vpcflow WHERE logstatus <> 'OK' INTERSECT SELECT sourceaddress, destinationport FROM vpcflow WHERE logstatus = 'NODATA' ORDER BY 2", ordered: true,
             duck: "SELECT sourceaddress, destinationport FROM vpcflow WHERE logstatus <> 'OK' INTERSECT SELECT sourceaddress, destinationport FROM vpcflow WHERE logstatus = 'NODATA' ORDER BY 2 NULLS LAST"),
        // INTERVAL arithmetic, date_add and date_diff of fixed units.
        Case(sql: "SELECT count(*) AS n, sum(numbytes) AS b FROM vpcflow WHERE from_unixtime(starttime) >= TIMESTAMP '2023-11-14 12:00:00' - INTERVAL '90' MINUTE AND from_unixtime(starttime) < INTERVAL '1' DAY + TIMESTAMP '2023-11-14 00:00:00'", ordered: true,
             duck: "SELECT count(*) AS n, sum(numbytes) AS b FROM vpcflow WHERE make_timestamp(starttime * 1000000) >= TIMESTAMP '2023-11-14 12:00:00' - INTERVAL '90' MINUTE AND make_timestamp(starttime * 1000000) < TIMESTAMP '2023-11-14 00:00:00' + INTERVAL '1' DAY"),
        Case(sql: "SELECT date_diff('minute', from_unixtime(starttime), date_add('hour', 2, from_unixtime(endtime))) AS d, date_diff('second', from_unixtime(endtime), from_unixtime(starttime) - INTERVAL '1' SECOND) AS s, count(*) AS n FROM vpcflow GROUP BY 1, 2 ORDER BY 1, 2", ordered: true,
             duck: "SELECT date_sub('minute', make_timestamp(starttime * 1000000), make_timestamp(endtime * 1000000) + INTERVAL 2 HOUR) AS d, date_sub('second', make_timestamp(endtime * 1000000), make_timestamp(starttime * 1000000) - INTERVAL 1 SECOND) AS s, count(*) AS n FROM vpcflow GROUP BY 1, 2 ORDER BY 1, 2"),
        // count_if, and numeric functions over aggregates.
        Case(sql: "SELECT action, count_if(numbytes > 1000) AS big, count_if(destinationport = 3333) AS pool, round(avg(numbytes), 2) AS a, round(sum(numbytes), -3) AS k, abs(min(numbytes) - max(numbytes)) AS r, greatest(max(sourceport), max(destinationport)) AS g, least(min(sourceport), min(destinationport)) AS l, if(count(*) > 1000, 'many', 'few') AS f, nullif(count(*), 0) AS c FROM vpcflow GROUP BY action ORDER BY action", ordered: true,
             // DuckDB's count_if is NULL over NULLs only (Trino's is 0).
             duck: "SELECT action, count(CASE WHEN numbytes > 1000 THEN 1 END) AS big, count(CASE WHEN destinationport = 3333 THEN 1 END) AS pool, round(avg(numbytes), 2) AS a, round(sum(numbytes), -3) AS k, abs(min(numbytes) - max(numbytes)) AS r, greatest(max(sourceport), max(destinationport)) AS g, least(min(sourceport), min(destinationport)) AS l, if(count(*) > 1000, 'many', 'few') AS f, nullif(count(*), 0) AS c FROM vpcflow GROUP BY action ORDER BY action"),
        // Global aggregates: min/max of integer columns from the block indexes (every row, and
        // the blocks a time window covers whole), and sums over whole blocks with NULL rows.
        Case(sql: "SELECT min(starttime) AS a, max(endtime) AS b, min(numbytes) AS c, max(numpackets) AS d, min(sourceport) AS e, max(destinationport) AS f, count(*) AS n FROM vpcflow", ordered: true),
        Case(sql: "SELECT min(numbytes) AS lo, max(numbytes) AS hi, min(endtime) AS e, count(*) AS n FROM vpcflow WHERE starttime BETWEEN 1699925000 AND 1700100000", ordered: true),
        Case(sql: "SELECT sum(numbytes) AS b, avg(numpackets) AS p, count(numbytes) AS c, sum(starttime) AS t, min(numpackets) AS m, count(*) AS n FROM vpcflow", ordered: true),
        Case(sql: "SELECT sum(numbytes) AS b, min(numpackets) AS p, max(endtime - starttime) AS d, sum(endtime - starttime) AS s, count(numbytes) AS c FROM vpcflow WHERE action = 'REJECT'", ordered: true),
        // GROUP BY a CASE of constants: one key (rows aggregated by branch), with other keys, no
        // ELSE (a NULL group), conditions on text, NULL ports and IN lists long and short.
        Case(sql: "SELECT CASE WHEN destinationport IN (80, 443) THEN 'web' WHEN destinationport = 53 THEN 'dns' WHEN destinationport IS NULL THEN 'none' ELSE 'other' END AS k, count(*) AS n, sum(numbytes) AS b FROM vpcflow GROUP BY 1 ORDER BY 1", ordered: true),
        Case(sql: "SELECT CASE WHEN action = 'REJECT' THEN 'blocked' WHEN sourceport < 1024 THEN 'service' END AS k, protocol, count(*) AS n FROM vpcflow WHERE numpackets > 1 GROUP BY 1, 2 ORDER BY 1, 2", ordered: true,
             duck: "SELECT CASE WHEN action = 'REJECT' THEN 'blocked' WHEN sourceport < 1024 THEN 'service' END AS k, protocol, count(*) AS n FROM vpcflow WHERE numpackets > 1 GROUP BY 1, 2 ORDER BY 1 NULLS LAST, 2 NULLS LAST"),
        Case(sql: "SELECT CASE WHEN destinationport IN (3333, 4444, 14444, 45700, 5555, 7777, 8888, 9999, 3334) THEN 1 WHEN destinationport BETWEEN 1 AND 1023 THEN 2 ELSE 3 END AS k, count(*) AS n, max(numbytes) AS m FROM vpcflow GROUP BY 1 ORDER BY 1", ordered: true),
        // One key that is a function of one text column: computed per dictionary code, the rows
        // aggregated by code (codes of a block that map to one key meet in the group table).
        Case(sql: "SELECT substr(interfaceid, 1, 6) AS p, count(*) AS n, sum(numbytes) AS b, min(starttime) AS t FROM vpcflow GROUP BY 1 ORDER BY 1", ordered: true),
        Case(sql: "SELECT coalesce(instanceid, 'none') AS i, count(*) AS n FROM vpcflow WHERE protocol = 6 GROUP BY 1 ORDER BY n DESC, 1 LIMIT 5", ordered: true),
        Case(sql: "SELECT lower(logstatus) AS s, count(*) AS n, count(numbytes) AS c FROM vpcflow GROUP BY 1 ORDER BY 1", ordered: true,
             duck: "SELECT lower(logstatus) AS s, count(*) AS n, count(numbytes) AS c FROM vpcflow GROUP BY 1 ORDER BY 1 NULLS LAST"),
        // Generic states fed from vectors: max_by/min_by with many ties (protocol) and a
        // timestamp ordering value, variances and approx_percentile with no GROUP BY.
        Case(sql: "SELECT action, max_by(destinationport, protocol) AS p, min_by(sourceaddress, from_unixtime(starttime)) AS s, max_by(interfaceid, numbytes - numpackets) AS i, count(*) AS n FROM vpcflow GROUP BY action ORDER BY action", ordered: true,
             duck: "SELECT action, first(destinationport ORDER BY protocol DESC, destinationport) FILTER (WHERE protocol IS NOT NULL) AS p, first(sourceaddress ORDER BY starttime, sourceaddress) FILTER (WHERE starttime IS NOT NULL) AS s, first(interfaceid ORDER BY numbytes - numpackets DESC, interfaceid) FILTER (WHERE numbytes - numpackets IS NOT NULL) AS i, count(*) AS n FROM vpcflow GROUP BY action ORDER BY action NULLS LAST"),
        Case(sql: "SELECT round(stddev(numbytes), 3) AS s, round(var_pop(numpackets), 3) AS v, approx_percentile(numbytes, 0.5) AS m, approx_percentile(endtime - starttime, 0.9) AS d, count(*) AS n FROM vpcflow", ordered: true,
             duck: "SELECT round(stddev(numbytes), 3) AS s, round(var_pop(numpackets), 3) AS v, quantile_disc(numbytes, 0.5) AS m, quantile_disc(endtime - starttime, 0.9) AS d, count(*) AS n FROM vpcflow"),
        // CASE inside aggregates (blended branch by branch): columns and constants as results,
        // a NULL column result, no ELSE, conditions on text and integers.
        Case(sql: "SELECT action, sum(CASE WHEN flow_direction = 'ingress' THEN numbytes WHEN destinationport < 1024 THEN numpackets END) AS s, count(CASE WHEN protocol = 17 THEN 1 WHEN numbytes > 5000 THEN numbytes ELSE NULL END) AS c, max(CASE WHEN logstatus = 'OK' THEN endtime ELSE 0 END) AS m FROM vpcflow GROUP BY 1 ORDER BY 1", ordered: true,
             duck: "SELECT action, sum(CASE WHEN flow_direction = 'ingress' THEN numbytes WHEN destinationport < 1024 THEN numpackets END) AS s, count(CASE WHEN protocol = 17 THEN 1 WHEN numbytes > 5000 THEN numbytes ELSE NULL END) AS c, max(CASE WHEN logstatus = 'OK' THEN endtime ELSE 0 END) AS m FROM vpcflow GROUP BY 1 ORDER BY 1 NULLS LAST"),
        // Two address columns compared (NAT: the packet's address is not the interface's); NULL
        // on either side is never TRUE, also under NOT and in an OR.
        Case(sql: "SELECT count(*) AS n, count(pkt_srcaddr) AS p FROM vpcflow WHERE sourceaddress <> pkt_srcaddr", ordered: true),
        Case(sql: "SELECT destinationport, count(*) AS n FROM vpcflow WHERE NOT (pkt_dstaddr = destinationaddress) OR sourceaddress = pkt_srcaddr AND destinationport < 100 GROUP BY 1 ORDER BY n DESC, 1 LIMIT 20", ordered: true,
             duck: "SELECT destinationport, count(*) AS n FROM vpcflow WHERE NOT (pkt_dstaddr = destinationaddress) OR sourceaddress = pkt_srcaddr AND destinationport < 100 GROUP BY 1 ORDER BY n DESC, 1 NULLS LAST LIMIT 20"),
        // Integer functions of one text column inside vector expressions (per dictionary code):
        // in WHERE, in aggregates and in a GROUP BY key, NULL text and NULL ports included.
        Case(sql: "SELECT count(*) AS n FROM vpcflow WHERE length(interfaceid) + sourceport > 30000", ordered: true),
        Case(sql: "SELECT sum(length(instanceid)) AS s, max(strpos(interfaceid, 'a')) AS p, min(length(logstatus) * 10) AS l, count(*) AS n FROM vpcflow", ordered: true),
        Case(sql: "SELECT length(interfaceid) + protocol AS k, count(*) AS n, sum(numbytes) AS b FROM vpcflow GROUP BY 1 ORDER BY 1", ordered: true,
             duck: "SELECT length(interfaceid) + protocol AS k, count(*) AS n, sum(numbytes) AS b FROM vpcflow GROUP BY 1 ORDER BY 1 NULLS LAST"),
    ]

    @Test("flowarc and DuckDB give the same answers", arguments: cases)
    func sameAnswers(_ c: Case) throws {
        let f = try #require(Self.fixture, "could not generate and ingest the test data")
        // Three workers whatever the machine: grouped queries then split their groups between
        // workers by hash (GroupExchange), with an owner count that is not a power of two.
        let ours = try CLI.run(["query", f.archive, c.sql, "--format", "csv", "--threads", "3"])
        #expect(ours.status == 0, "\(ours)")
        let duckSQL = (c.duck ?? c.sql).replacingOccurrences(of: "\"irworkshopgluedatabase\".\"irworkshopgluetablevpcflow\"", with: "vpcflow")
        let theirs = try Self.reference(duckSQL, logs: f.logs)
        try #require(theirs.status == 0, "DuckDB failed: \(theirs.stderr)")
        var a = Self.parseCSV(ours.stdout), b = Self.parseCSV(theirs.stdout)
        #expect(a.count == b.count, "row counts differ: flowarc \(a.count - 1), DuckDB \(b.count - 1)")
        guard !a.isEmpty, !b.isEmpty else { return }
        #expect(a[0].count == b[0].count, "column counts differ")
        let headerA = a.removeFirst(), _ = b.removeFirst()
        if c.ordered {
            for (i, (x, y)) in zip(a, b).enumerated() where x != y {
                Issue.record("row \(i + 1) differs: flowarc \(x), DuckDB \(y)")
                break
            }
        } else {
            #expect(a.sorted { $0.lexicographicallyPrecedes($1) } == b.sorted { $0.lexicographicallyPrecedes($1) }, "rows differ as multisets")
            // ORDER BY numpackets DESC: the first column never increases.
            let keys = a.compactMap { Int64($0[0]) }
            #expect(zip(keys, keys.dropFirst()).allSatisfy { $0 >= $1 }, "\(headerA[0]) is not in descending order")
        }
        #expect(a.count > 0 || c.sql.contains("LIMIT"), "the query returned nothing: the test data should exercise it")
    }

    /// Grouped queries give the same groups and aggregates with one worker and with several:
    /// grouped by one address (groups owned by hash and sent between workers, by dictionary code
    /// or, when few rows of a block pass, row by row; tables concatenated), and by other keys
    /// (tables merged), with NULL keys and every fixed-state aggregate.
    @Test func groupsAreTheSameForEveryWorkerCount() throws {
        let f = try #require(Self.fixture)
        for sql in [
            "SELECT sourceaddress, sum(numbytes) AS b, count(*) AS n, min(starttime) AS lo, max(numpackets) AS hi, avg(numbytes) AS a, count(numbytes) AS c FROM vpcflow GROUP BY sourceaddress",
            // Few rows per block pass and the address is read besides the key (count of it): the
            // groups travel row by row, not by dictionary code.
            "SELECT destinationaddress, count(destinationaddress) AS d, sum(numbytes) AS b, count(*) AS n, max(starttime) AS t, count(numpackets) AS c FROM vpcflow WHERE protocol = 17 GROUP BY destinationaddress",
            "SELECT destinationaddress, destinationport, count(*) AS n, sum(numpackets) AS p FROM vpcflow GROUP BY destinationaddress, destinationport",
            "SELECT numpackets, sourceaddress, destinationaddress, destinationport FROM vpcflow WHERE flow_direction = 'egress' GROUP BY numpackets, sourceaddress, destinationaddress, destinationport",
            "SELECT destinationport, min(numbytes) AS lo, max(numbytes) AS hi, count(sourceaddress) AS c FROM vpcflow GROUP BY destinationport",
            "SELECT interfaceid, action, sum(numbytes) AS b FROM vpcflow GROUP BY interfaceid, action",
            "SELECT date_trunc('hour', from_unixtime(starttime)) AS h, count(*) AS n FROM vpcflow GROUP BY 1",
            // DISTINCT by regrouping: a value two workers met counts once (shares merged by the
            // keys' hash before collapsing; text keys merged whole first).
            "SELECT sourceaddress, count(DISTINCT destinationport) AS p, sum(DISTINCT numpackets) AS s, count(*) AS n, max(numbytes) AS m FROM vpcflow GROUP BY sourceaddress",
            "SELECT interfaceid, count(DISTINCT destinationaddress) AS d, avg(DISTINCT destinationport) AS a FROM vpcflow GROUP BY interfaceid",
            "SELECT destinationport, protocol, count(DISTINCT instanceid) AS i FROM vpcflow GROUP BY 1, 2",
            // Keys and argument of plain words: the pairs owned by worker, collapsed by each.
            "SELECT sourceaddress, count(DISTINCT destinationport) AS p, count(*) AS n, sum(numbytes) AS b FROM vpcflow GROUP BY sourceaddress",
            "SELECT protocol, count(DISTINCT sourceaddress) AS s, max(numbytes) AS m FROM vpcflow GROUP BY protocol",
            // A state that holds text (min of an address) beside the distinct count: the shares
            // are merged, not concatenated.
            "SELECT destinationport, count(DISTINCT sourceaddress) AS d, min(sourceaddress) AS lo, max(action) AS a FROM vpcflow GROUP BY destinationport",
        ] {
            var results: [[String]] = []
            for threads in ["1", "2", "5"] {
                let r = try CLI.run(["query", f.archive, sql, "--format", "csv", "--threads", threads])
                #expect(r.status == 0, "\(r)")
                results.append(r.stdout.components(separatedBy: "\r\n").sorted())  // CSV lines end in CRLF
            }
            #expect(results[0].count > 5, "\(sql): too few groups to exercise the exchange")
            #expect(results[1] == results[0], "\(sql): 2 workers differ from 1")
            #expect(results[2] == results[0], "\(sql): 5 workers differ from 1")
        }
    }

    /// The indexes skip blocks for a selective address query, and the answer is still DuckDB's.
    @Test func selectiveAddressQueryPrunesBlocks() throws {
        let f = try #require(Self.fixture)
        try #require(!f.pool.isEmpty, "no pool address in the generator's output")
        let sql = "SELECT sourceaddress, destinationaddress, destinationport, sum(numbytes) AS b FROM vpcflow WHERE sourceaddress = '\(f.pool)' OR destinationaddress = '\(f.pool)' GROUP BY sourceaddress, destinationaddress, destinationport ORDER BY b DESC, sourceaddress, destinationport"
        let ours = try CLI.run(["query", f.archive, sql, "--format", "csv", "--explain"])
        #expect(ours.status == 0, "\(ours)")
        let theirs = try Self.reference(sql, logs: f.logs)
        #expect(Self.parseCSV(ours.stdout) == Self.parseCSV(theirs.stdout))
        #expect(Self.parseCSV(ours.stdout).count > 1, "the pool address should appear in the data")
        // "scanned X of Y blocks (Z skipped by the indexes)"
        let line = ours.stderr.split(separator: "\n").first { $0.hasPrefix("scanned") } ?? ""
        let numbers = line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        #expect(numbers.count >= 3 && numbers[2] > 0, "no block was skipped: \(line)")
    }

    /// A count over a time window reads only the blocks at the window's edges: the others are
    /// counted from their indexes, and the answer is DuckDB's.
    @Test func countsOverWholeBlocksComeFromTheIndexes() throws {
        let f = try #require(Self.fixture)
        let sql = "SELECT count(*) AS n FROM vpcflow WHERE starttime BETWEEN 1699925000 AND 1700100000"
        let ours = try CLI.run(["query", f.archive, sql, "--format", "csv", "--explain"])
        #expect(ours.status == 0, "\(ours)")
        #expect(Self.parseCSV(ours.stdout) == Self.parseCSV(try Self.reference(sql, logs: f.logs).stdout))
        let line = ours.stderr.split(separator: "\n").first { $0.hasPrefix("scanned") } ?? ""
        let counted = line.firstRange(of: "counted from their indexes") != nil
        #expect(counted, "no block was counted from its indexes: \(line)")
    }

    /// The same window written as analysts write it in Athena, with timestamps and an INTERVAL:
    /// pruned and counted from the indexes as the seconds it means, and DuckDB's answer.
    @Test func timestampWindowsUseTheIndexes() throws {
        let f = try #require(Self.fixture)
        // starttime BETWEEN 1699925000 AND 1700100000, as countsOverWholeBlocksComeFromTheIndexes asks.
        let sql = "SELECT count(*) AS n FROM vpcflow WHERE from_unixtime(starttime) BETWEEN TIMESTAMP '2023-11-14 01:23:20' AND TIMESTAMP '2023-11-16 00:00:00' + INTERVAL '2' HOUR"
        let duck = "SELECT count(*) AS n FROM vpcflow WHERE make_timestamp(starttime * 1000000) BETWEEN TIMESTAMP '2023-11-14 01:23:20' AND TIMESTAMP '2023-11-16 00:00:00' + INTERVAL '2' HOUR"
        let ours = try CLI.run(["query", f.archive, sql, "--format", "csv", "--explain"])
        #expect(ours.status == 0, "\(ours)")
        let theirs = Self.parseCSV(try Self.reference(duck, logs: f.logs).stdout)
        #expect(Self.parseCSV(ours.stdout) == theirs)
        #expect(theirs.count == 2 && theirs[1] != ["0"], "the window should hold rows: \(theirs)")
        let line = ours.stderr.split(separator: "\n").first { $0.hasPrefix("scanned") } ?? ""
        let numbers = line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        #expect(numbers.count >= 3 && numbers[2] > 0, "no block was skipped: \(line)")
        #expect(line.contains("counted from their indexes"), "no block was counted from its indexes: \(line)")
    }

    /// Address equality and IN lists run as column kernels; their answers are DuckDB's.
    @Test func addressEqualityKernels() throws {
        let f = try #require(Self.fixture)
        try #require(!f.pool.isEmpty, "no pool address in the generator's output")
        for sql in [
            "SELECT sourceaddress, count(*) AS n, sum(numbytes) AS b FROM vpcflow WHERE destinationaddress = '\(f.pool)' GROUP BY sourceaddress ORDER BY sourceaddress",
            "SELECT destinationport, count(*) AS n FROM vpcflow WHERE destinationaddress IN ('\(f.pool)', '10.0.0.1') AND action = 'ACCEPT' GROUP BY destinationport ORDER BY destinationport",
            "SELECT count(*) AS n FROM vpcflow WHERE '\(f.pool)' = destinationaddress AND destinationaddress <> '10.0.0.1'",
        ] {
            let ours = try CLI.run(["query", f.archive, sql, "--format", "csv"])
            #expect(ours.status == 0, "\(ours)")
            let theirs = try Self.reference(sql, logs: f.logs)
            #expect(Self.parseCSV(ours.stdout) == Self.parseCSV(theirs.stdout), "\(sql)")
            #expect(Self.parseCSV(ours.stdout).count > 1, "\(sql): the pool address should appear in the data")
        }
    }
}
