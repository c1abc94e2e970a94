/// The record formats the generator writes: the default format and AWS custom formats with every
/// VPC flow log field up to a version, in the order of the AWS field table.
public enum FlowFormat: String, Sendable, CaseIterable, CustomStringConvertible {
    /// The default format: the 14 version-2 fields.
    case v2
    /// v2 + `vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr` (21 fields).
    case v3
    /// v3 + `region az-id sublocation-type sublocation-id` (25 fields).
    case v4
    /// v4 + `pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path` (29 fields,
    /// the format of the AWS incident-response workshop).
    case v5
    /// v5 + the ten `ecs-*` fields (version 7) + `reject-reason` (version 8): 40 fields.
    case v8

    /// Parses "v2", "v3", "v4", "v5" or "v8" (also accepted without the "v").
    public init?(name: String) {
        let lower = name.lowercased()
        if let f = FlowFormat(rawValue: lower) { self = f; return }
        if let f = FlowFormat(rawValue: "v" + lower) { self = f; return }
        return nil
    }

    public var name: String { rawValue }
    public var description: String { rawValue }

    /// The value of the `version` field in records: the highest version among the fields.
    public var version: Int {
        switch self {
        case .v2: return 2
        case .v3: return 3
        case .v4: return 4
        case .v5: return 5
        case .v8: return 8
        }
    }

    /// The header line's field names, in order.
    public var fieldNames: [String] { fields.map(\.name) }

    var fields: [GenField] {
        let count: Int
        switch self {
        case .v2: count = 14
        case .v3: count = 21
        case .v4: count = 25
        case .v5: count = 29
        case .v8: count = 40
        }
        return Array(GenField.allCases.prefix(count))
    }
}

/// Every field the generator can write, in AWS table order (v2, v3, v4, v5, v7, v8).
enum GenField: UInt8, CaseIterable, Sendable {
    case version, accountID, interfaceID, srcaddr, dstaddr, srcport, dstport, proto, packets, bytes
    case start, end, action, logStatus
    case vpcID, subnetID, instanceID, tcpFlags, type, pktSrcaddr, pktDstaddr
    case region, azID, sublocationType, sublocationID
    case pktSrcAwsService, pktDstAwsService, flowDirection, trafficPath
    case ecsClusterArn, ecsClusterName, ecsContainerInstanceArn, ecsContainerInstanceID, ecsContainerID
    case ecsSecondContainerID, ecsServiceName, ecsTaskDefinitionArn, ecsTaskArn, ecsTaskID
    case rejectReason

    var name: String {
        switch self {
        case .version: return "version"
        case .accountID: return "account-id"
        case .interfaceID: return "interface-id"
        case .srcaddr: return "srcaddr"
        case .dstaddr: return "dstaddr"
        case .srcport: return "srcport"
        case .dstport: return "dstport"
        case .proto: return "protocol"
        case .packets: return "packets"
        case .bytes: return "bytes"
        case .start: return "start"
        case .end: return "end"
        case .action: return "action"
        case .logStatus: return "log-status"
        case .vpcID: return "vpc-id"
        case .subnetID: return "subnet-id"
        case .instanceID: return "instance-id"
        case .tcpFlags: return "tcp-flags"
        case .type: return "type"
        case .pktSrcaddr: return "pkt-srcaddr"
        case .pktDstaddr: return "pkt-dstaddr"
        case .region: return "region"
        case .azID: return "az-id"
        case .sublocationType: return "sublocation-type"
        case .sublocationID: return "sublocation-id"
        case .pktSrcAwsService: return "pkt-src-aws-service"
        case .pktDstAwsService: return "pkt-dst-aws-service"
        case .flowDirection: return "flow-direction"
        case .trafficPath: return "traffic-path"
        case .ecsClusterArn: return "ecs-cluster-arn"
        case .ecsClusterName: return "ecs-cluster-name"
        case .ecsContainerInstanceArn: return "ecs-container-instance-arn"
        case .ecsContainerInstanceID: return "ecs-container-instance-id"
        case .ecsContainerID: return "ecs-container-id"
        case .ecsSecondContainerID: return "ecs-second-container-id"
        case .ecsServiceName: return "ecs-service-name"
        case .ecsTaskDefinitionArn: return "ecs-task-definition-arn"
        case .ecsTaskArn: return "ecs-task-arn"
        case .ecsTaskID: return "ecs-task-id"
        case .rejectReason: return "reject-reason"
        }
    }
}
