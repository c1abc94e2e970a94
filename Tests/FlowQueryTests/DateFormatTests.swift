@testable import FlowQuery
import Testing

/// date_format with every specifier Trino documents (MySQL's), in UTC, checked against Python's
/// strftime for the same instants (%a %b %j %A %I %p, %I unpadded, %B, %I:%M:%S %p, %V, %G, %Y,
/// %y), across year ends where the ISO week belongs to the neighbouring year; the specifiers Trino
/// does not support are refused when the query is bound; `%x` for an unlisted x is x.
@Suite struct DateFormatTests {
    static let format = "%a %b %j %W %h %p %l %M %r %v %x %Y %y"
    static let cases: [(Int64, String)] = [
        (0, "Thu Jan 001 Thursday 12 AM 12 January 12:00:00 AM 01 1970 1970 70"),
        (1700000000, "Tue Nov 318 Tuesday 10 PM 10 November 10:13:20 PM 46 2023 2023 23"),
        (1703980800, "Sun Dec 365 Sunday 12 AM 12 December 12:00:00 AM 52 2023 2023 23"),
        (1704067199, "Sun Dec 365 Sunday 11 PM 11 December 11:59:59 PM 52 2023 2023 23"),
        (1704067200, "Mon Jan 001 Monday 12 AM 12 January 12:00:00 AM 01 2024 2024 24"),
        (1609459200, "Fri Jan 001 Friday 12 AM 12 January 12:00:00 AM 53 2020 2021 21"),
        (1577836800, "Wed Jan 001 Wednesday 12 AM 12 January 12:00:00 AM 01 2020 2020 20"),
        (1230768000, "Thu Jan 001 Thursday 12 AM 12 January 12:00:00 AM 01 2009 2009 09"),
        (951782400, "Tue Feb 060 Tuesday 12 AM 12 February 12:00:00 AM 09 2000 2000 00"),
        (-94592655, "Mon Jan 002 Monday 04 AM 4 January 04:15:45 AM 01 1967 1967 67"),
        (4102444799, "Thu Dec 365 Thursday 11 PM 11 December 11:59:59 PM 53 2099 2099 99"),
        (1356998400, "Tue Jan 001 Tuesday 12 AM 12 January 12:00:00 AM 01 2013 2013 13"),
        (1262304000, "Fri Jan 001 Friday 12 AM 12 January 12:00:00 AM 53 2009 2010 10"),
        (1104537600, "Sat Jan 001 Saturday 12 AM 12 January 12:00:00 AM 53 2004 2005 05"),
        (1735603200, "Tue Dec 366 Tuesday 12 AM 12 December 12:00:00 AM 01 2025 2024 24"),
    ]

    @Test func everySpecifierAsStrftime() {
        for (seconds, expected) in Self.cases {
            #expect(DateFunctions.format(seconds * 1000, Self.format) == expected, "\(seconds)")
        }
        let t: Int64 = 1_700_000_000_123
        #expect(DateFunctions.format(t, "%Y-%m-%d %H:%i:%s.%f %T %c/%e %k %I %S %%") == "2023-11-14 22:13:20.123000 22:13:20 11/14 22 10 20 %")
        #expect(DateFunctions.format(t, "%q %Q 100%") == "q Q 100")
    }

    @Test(arguments: ["D", "U", "u", "V", "w", "X"])
    func unsupportedSpecifiersAreRefused(_ s: String) throws {
        let archive = try TestArchive.make([])
        do {
            _ = try TestArchive.run("SELECT date_format(from_unixtime(0), 'week %\(s)')", archive)
            Issue.record("%\(s) was accepted")
        } catch {
            #expect("\(error)".contains("%\(s) not supported in date format string"), "\(error)")
        }
    }
}

/// Trino's format_datetime (Joda-Time patterns) and to_iso8601, in UTC; the expected texts are
/// what Joda's DateTimeFormat prints for the same instants (Trino formats with Joda).
@Suite struct JodaFormatTests {
    @Test(arguments: [
        ("format_datetime(from_unixtime(1700000000), 'yyyy-MM-dd HH:mm:ss')", "2023-11-14 22:13:20"),
        ("format_datetime(from_unixtime(1700000000.25), 'yyyy-MM-dd''T''HH:mm:ss.SSSZ')", "2023-11-14T22:13:20.250+0000"),
        ("format_datetime(from_unixtime(1700000000.25), 's.S ss.SS ss.SSSSSS')", "20.2 20.25 20.250000"),
        ("format_datetime(from_unixtime(1700000000), 'EEE, dd MMM yyyy')", "Tue, 14 Nov 2023"),
        ("format_datetime(from_unixtime(1699999507), 'H:m:s h:mm a')", "22:5:7 10:05 PM"),
        ("format_datetime(from_unixtime(1699999507), 'HH:mm:ss hh a')", "22:05:07 10 PM"),
        ("format_datetime(from_unixtime(1704070800), 'M/d/yy H h a')", "1/1/24 1 1 AM"),
        ("format_datetime(from_unixtime(1700000000), 'EEEE MMMM d, yy DDD ZZ z ''at'' h:mm ''''')",
         "Tuesday November 14, 23 318 +00:00 UTC at 10:13 '"),
        ("format_datetime(DATE '2024-02-29', 'yyyy/MM/dd EEE')", "2024/02/29 Thu"),
        ("format_datetime(from_unixtime(1700000000), 'YYYY-MM')", "2023-11"),
        ("to_iso8601(from_unixtime(1700000000.5))", "2023-11-14T22:13:20.500Z"),
        ("to_iso8601(from_unixtime(0))", "1970-01-01T00:00:00.000Z"),
        ("to_iso8601(DATE '2023-11-14')", "2023-11-14"),
        ("to_iso8601(NULL)", "NULL"),
    ])
    func formatsAsJoda(_ sql: String, _ expected: String) throws {
        #expect(try ScalarFunctionTests.value(sql) == expected, "\(sql)")
    }

    /// Letters Joda has but this reader does not format (week-based fields, eras, half-day
    /// hours), and letters Joda does not know, are refused when the query is bound, naming the
    /// letter; so are arguments of the wrong type.
    @Test(arguments: ["ww", "G", "xxxx", "K", "k", "C", "e", "it's", "D"])
    func unsupportedLettersAreRefused(_ pattern: String) throws {
        let message = try ScalarFunctionTests.failure("format_datetime(from_unixtime(0), '\(pattern.replacingOccurrences(of: "'", with: "''"))')")
        #expect(message.contains("format_datetime: pattern letter '") && message.contains("is not supported"), "\(message)")
    }

    /// parse_datetime reads text with the same patterns (partition days, log timestamps), and
    /// reads back what format_datetime writes.
    @Test(arguments: [
        ("parse_datetime('2023/11/14', 'yyyy/MM/dd')", "2023-11-14 00:00:00.000"),
        ("parse_datetime('2023-11-14 22:05:07.25', 'yyyy-MM-dd HH:mm:ss.SS')", "2023-11-14 22:05:07.250"),
        ("parse_datetime('14 Nov 2023 10:5 PM', 'dd MMM yyyy h:m a')", "2023-11-14 22:05:00.000"),
        ("parse_datetime('2023-11-14T10:00:00.123+0000', 'yyyy-MM-dd''T''HH:mm:ss.SSSZ')", "2023-11-14 10:00:00.123"),
        ("parse_datetime(format_datetime(from_unixtime(1699999507.5), 'yyyy-MM-dd H:m:s.S'), 'yyyy-MM-dd H:m:s.S')", "2023-11-14 22:05:07.500"),
        ("parse_datetime(NULL, 'yyyy')", "NULL"),
    ])
    func parsesAsJoda(_ sql: String, _ expected: String) throws {
        #expect(try ScalarFunctionTests.value(sql) == expected, "\(sql)")
    }

    @Test func parseRefusals() throws {
        #expect(try ScalarFunctionTests.failure("parse_datetime('Tue 2023', 'EEE yyyy')").contains("pattern letter 'E' (day names) is not supported when parsing"))
        #expect(try ScalarFunctionTests.failure("parse_datetime('2023', 'ww')").contains("parse_datetime: pattern letter 'w' is not supported"))
        #expect(try ScalarFunctionTests.failure("parse_datetime('2023-13-01', 'yyyy-MM-dd')").contains("Invalid format: \"2023-13-01\""))
        #expect(try ScalarFunctionTests.failure("parse_datetime(5, 'yyyy')").contains("parse_datetime needs varchar"))
    }

    @Test func wrongArgumentsAreRefused() throws {
        #expect(try ScalarFunctionTests.failure("to_iso8601(5)").contains("to_iso8601 needs a timestamp or a date"))
        #expect(try ScalarFunctionTests.failure("format_datetime(from_unixtime(0), lower('yyyy'))").contains("format_datetime needs a constant pattern"))
    }

    /// Per row and as a GROUP BY key (which formats once per run of equal values).
    @Test func overRows() throws {
        let archive = try TestArchive.make(v2Lines: [(0..<6).map { i in
            "2 123456789012 eni-01 10.0.0.\(i + 1) 52.95.1.7 40000 443 6 1 100 \(1_700_000_000 + i * 1800) \(1_700_000_060 + i * 1800) ACCEPT OK"
        }])
        let r = try TestArchive.run("SELECT format_datetime(from_unixtime(starttime), 'yyyy-MM-dd HH') AS h, count(*) FROM flows GROUP BY 1 ORDER BY 1", archive)
        #expect(r.rows.map { $0.map(\.description) } == [["2023-11-14 22", "2"], ["2023-11-14 23", "2"], ["2023-11-15 00", "2"]])
        let iso = try TestArchive.run("SELECT to_iso8601(from_unixtime(starttime)) FROM flows ORDER BY 1 LIMIT 1", archive)
        #expect(iso.rows == [[.string("2023-11-14T22:13:20.000Z")]])
    }
}

/// Time zones: flowarc keeps timestamps in UTC, as the flow logs give them. UTC given as a zone
/// (`AT TIME ZONE 'UTC'`, with_timezone, from_unixtime(x, 'UTC') or (x, 0, 0)) is the same
/// instant, and a window written that way prunes blocks as the bare form does; any other zone is
/// refused with a message, never shown as if it were UTC.
@Suite struct TimeZoneTests {
    @Test(arguments: [
        ("from_unixtime(1700000000) AT TIME ZONE 'UTC'", "2023-11-14 22:13:20.000"),
        ("from_unixtime(1700000000) at time zone 'Etc/UTC'", "2023-11-14 22:13:20.000"),
        ("date_trunc('hour', from_unixtime(1700000000) AT TIME ZONE 'utc')", "2023-11-14 22:00:00.000"),
        ("from_unixtime(1700000000, 'UTC')", "2023-11-14 22:13:20.000"),
        ("from_unixtime(1700000000, 0, 0)", "2023-11-14 22:13:20.000"),
        ("with_timezone(TIMESTAMP '2023-11-14 10:00:00', 'GMT')", "2023-11-14 10:00:00.000"),
        ("at_timezone(DATE '2023-11-14', 'Z')", "2023-11-14 00:00:00.000"),
        ("format_datetime(from_unixtime(0) AT TIME ZONE 'UTC', 'yyyy-MM-dd HH:mm Z')", "1970-01-01 00:00 +0000"),
    ])
    func utcIsTheSameInstant(_ sql: String, _ expected: String) throws {
        #expect(try ScalarFunctionTests.value(sql) == expected, "\(sql)")
    }

    @Test(arguments: [
        ("from_unixtime(1700000000) AT TIME ZONE 'America/New_York'", "time zone 'America/New_York' is not supported (use 'UTC')"),
        ("from_unixtime(1700000000, 'Europe/Paris')", "time zone 'Europe/Paris' is not supported"),
        ("from_unixtime(1700000000, 2, 0)", "only an offset of 0 hours and 0 minutes"),
        ("from_unixtime(1700000000) AT TIME ZONE lower('UTC')", "needs the time zone as a constant"),
        ("5 AT TIME ZONE 'UTC'", "AT TIME ZONE needs timestamp"),
        ("from_unixtime(1) AT TIME 'UTC'", "expected ZONE after 'TIME'"),
        ("from_unixtime(1, 'UTC', 0, 0)", "from_unixtime takes 1 to 3 arguments"),
    ])
    func otherZonesAreRefused(_ sql: String, _ message: String) throws {
        let failure = try ScalarFunctionTests.failure(sql)
        #expect(failure.contains(message), "\(sql): \(failure)")
    }

    @Test func aUTCWindowPrunesAsTheBareOne() throws {
        let blocks = (0..<3).map { b in
            (0..<50).map { i in
                "2 123456789012 eni-01 10.0.0.\(i + 1) 52.95.1.7 40000 443 6 1 100 \(1_700_000_000 + b * 86_400 + i) \(1_700_000_060 + b * 86_400 + i) ACCEPT OK"
            }
        }
        let archive = try TestArchive.make(v2Lines: blocks)
        for form in ["from_unixtime(starttime)", "from_unixtime(starttime) AT TIME ZONE 'UTC'", "from_unixtime(starttime, 'UTC')",
                     "with_timezone(from_unixtime(starttime), 'Etc/UTC')"] {
            let r = try TestArchive.run("SELECT count(*) FROM flows WHERE \(form) >= TIMESTAMP '2023-11-15 00:00:00' "
                                        + "AND \(form) < TIMESTAMP '2023-11-16 00:00:00'", archive)
            #expect(r.rows == [[.int(50)]] && r.stats.blocksSkipped == 2, "\(form): \(r.rows) \(r.stats)")
        }
    }
}
