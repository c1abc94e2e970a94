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
