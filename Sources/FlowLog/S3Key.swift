/// What an input path says about where AWS delivered it. Flow logs in S3 live under
/// `AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD[/HH]/<file>` or, Hive-style,
/// `AWSLogs/aws-account-id=<a>/aws-service=vpcflowlogs/aws-region=<r>/year=YYYY/month=MM/day=DD[/hour=HH]/<file>`;
/// file names are `<account>_vpcflowlogs_<region>_<flow-log-id>_<YYYYMMDDTHHmmZ>_<hash>.log.gz`.
public struct S3KeyInfo: Sendable, Equatable {
    /// The key from `AWSLogs/` on, or nil when the path has no such component.
    public var key: String?
    public var account: String?
    public var region: String?
    /// The delivery date as Athena's partition projection writes it: `YYYY/MM/DD`.
    public var date: String?
    public var flowLogID: String?

    public init(key: String? = nil, account: String? = nil, region: String? = nil, date: String? = nil, flowLogID: String? = nil) {
        self.key = key; self.account = account; self.region = region; self.date = date; self.flowLogID = flowLogID
    }

    public static func parse(path: String) -> S3KeyInfo {
        var info = S3KeyInfo()
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        if let a = parts.lastIndex(of: "AWSLogs") {
            info.key = parts[a...].joined(separator: "/")
            let rest = Array(parts[(a + 1)...])
            if rest.count >= 6, rest[1] == "vpcflowlogs", isDigits(rest[3], 4), isDigits(rest[4], 2), isDigits(rest[5], 2) {
                info.account = rest[0]
                info.region = rest[2]
                info.date = "\(rest[3])/\(rest[4])/\(rest[5])"
            } else if rest.count >= 6, let acct = value(rest[0], "aws-account-id"), value(rest[1], "aws-service") == "vpcflowlogs",
                      let region = value(rest[2], "aws-region"), let y = value(rest[3], "year"), let m = value(rest[4], "month"),
                      let d = value(rest[5], "day"), isDigits(y, 4), isDigits(m, 2), isDigits(d, 2) {
                info.account = acct
                info.region = region
                info.date = "\(y)/\(m)/\(d)"
            }
        }
        // The file name names account, region, flow log and delivery time too.
        if let name = parts.last {
            let f = name.split(separator: "_").map(String.init)
            if f.count >= 6, f[1] == "vpcflowlogs", f[3].hasPrefix("fl-") {
                info.flowLogID = f[3]
                if info.account == nil { info.account = f[0] }
                if info.region == nil { info.region = f[2] }
                let t = Array(f[4].utf8)
                if info.date == nil, t.count >= 8, t[0..<8].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                    let s = f[4]
                    let y = s.prefix(4), m = s.dropFirst(4).prefix(2), d = s.dropFirst(6).prefix(2)
                    info.date = "\(y)/\(m)/\(d)"
                }
            }
        }
        return info
    }

    private static func isDigits(_ s: String, _ n: Int) -> Bool {
        s.utf8.count == n && s.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    private static func value(_ component: String, _ name: String) -> String? {
        let prefix = name + "="
        return component.hasPrefix(prefix) ? String(component.dropFirst(prefix.count)) : nil
    }
}
