// swift-tools-version:6.2
// flowarc: an ingester and columnar LZ4 archive for AWS VPC Flow Logs.
//
// Module map (each layer only depends on the ones above it):
//   CZlib, CLZ4, CISAL   C libraries as system-library targets (pkg-config + shim.h)
//   CIntrinsics          compiler builtins Swift does not expose (prefetch), header-only
//   FlowSupport          bytes, little-endian readers/writers, CRC-32, the Glibc calls, locks
//   FlowCodecs           gzip inflaters (ISA-L igzip, zlib) and LZ4 block compression
//   FlowLog              the VPC flow log record format: field catalog, header mapping, zero-copy parser
//   FlowArchive          the flowarc archive format v1 (Formats/ARCHIVE.md): segments, blocks, indexes
//   FlowIngest           the multithreaded ingest pipeline, source tracking, rejects, progress
//   FlowGen              a deterministic synthetic flow log generator (demo, tests, benchmarks)
//   FlowQuery            Athena (Trino) SQL over an archive: parser, binder, planner, vectorized executor
//   flowarc              the command-line tool
import PackageDescription
#if arch(x86_64) && os(Linux)
import Foundation
#endif

/// The x86-64 CPU class the code is compiled for. Haswell-class (AVX2, BMI1/2, FMA, POPCNT,
/// LZCNT: every x86 EC2 instance type in service, Intel since 2013, AMD since Zen) when the
/// building machine has it, else the x86-64 baseline (SSE2, no POPCNT). Measured on the
/// benchmark machine: a CIDR count 21 -> 13 ms (AVX2 compares and unsigned max on the codes),
/// ingest 4% less CPU. `FLOWARC_TARGET_CPU=x86-64 swift build` builds for the baseline (any
/// clang CPU name is accepted). A Haswell-class binary started on an older CPU exits with a
/// message saying so (CIntrinsics.c), not with an illegal instruction.
#if arch(x86_64) && os(Linux)
let hostFlags = Set(((try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "")
    .split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ").map(String.init) ?? [])
let hostIsHaswellClass = ["avx2", "bmi1", "bmi2", "fma", "popcnt", "movbe", "abm"].allSatisfy(hostFlags.contains)
let targetCPU: String? = ProcessInfo.processInfo.environment["FLOWARC_TARGET_CPU"] ?? (hostIsHaswellClass ? "haswell" : nil)
#else
let targetCPU: String? = nil
#endif

let swiftSettings: [SwiftSetting] = [
    // Needed to vend `RawSpan` views from owner types (as swift-nio does).
    .enableExperimentalFeature("Lifetimes"),
] + (targetCPU.map { [.unsafeFlags(["-target-cpu", $0])] } ?? [])

let package = Package(
    name: "flowarc",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "flowarc", targets: ["flowarc"]),
        .library(name: "FlowArchive", targets: ["FlowArchive"]),
        .library(name: "FlowIngest", targets: ["FlowIngest"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.0"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "CISAL", pkgConfig: "libisal", providers: [.apt(["libisal-dev"])]),

        .target(name: "FlowSupport", dependencies: ["CISAL"], swiftSettings: swiftSettings),
        .target(name: "FlowCodecs", dependencies: ["FlowSupport", "CZlib", "CLZ4", "CISAL"],
                swiftSettings: swiftSettings),
        .target(name: "FlowLog", dependencies: ["FlowSupport", "CIntrinsics"], swiftSettings: swiftSettings),
        .target(name: "FlowArchive", dependencies: ["FlowSupport", "FlowCodecs", "FlowLog"],
                swiftSettings: swiftSettings),
        .target(name: "FlowIngest", dependencies: ["FlowSupport", "FlowCodecs", "FlowLog", "FlowArchive"],
                swiftSettings: swiftSettings),
        .target(name: "FlowGen", dependencies: ["FlowSupport", "FlowCodecs", "FlowLog"],
                swiftSettings: swiftSettings),
        .target(name: "CIntrinsics",
                cSettings: targetCPU == "haswell" ? [.define("FLOWARC_HASWELL_CLASS")] : []),
        .target(name: "FlowQuery", dependencies: ["FlowSupport", "FlowLog", "FlowArchive", "CIntrinsics"],
                swiftSettings: swiftSettings),
        .executableTarget(
            name: "flowarc",
            dependencies: [
                "FlowSupport", "FlowCodecs", "FlowLog", "FlowArchive", "FlowIngest", "FlowGen", "FlowQuery",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings,
            // The Swift runtime and Foundation linked in statically: a query is a process, and
            // resolving the symbols of a dozen shared Swift libraries was half of its start-up
            // (perf: `flowarc --version` 7.3 ms dynamic, 4.3 ms static). The three libraries are
            // what static FoundationEssentials needs besides the ones `-static-stdlib` names; lld
            // because it does not print glibc's link-time note about FoundationEssentials' mktemp.
            linkerSettings: [.unsafeFlags(
                ["-static-stdlib", "-l_FoundationCollections", "-l_FoundationCShims", "-lswiftSynchronization",
                 "-use-ld=lld"],
                .when(platforms: [.linux]))]),

        // The ingest stages one at a time on one file in memory (Benchmarks/Stages/main.swift).
        .executableTarget(name: "flowarc-stages", dependencies: ["FlowSupport", "FlowCodecs", "FlowLog", "FlowArchive"],
                          path: "Benchmarks/Stages", swiftSettings: swiftSettings),

        .testTarget(name: "FlowLogTests", dependencies: ["FlowLog", "FlowSupport"],
                    resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
        .testTarget(name: "FlowCodecsTests", dependencies: ["FlowCodecs", "FlowSupport"],
                    swiftSettings: swiftSettings),
        .testTarget(
            name: "FlowArchiveTests",
            dependencies: [
                "FlowArchive", "FlowLog", "FlowSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            resources: [.copy("Golden")],
            swiftSettings: swiftSettings),
        .testTarget(name: "FlowIngestTests",
                    dependencies: ["FlowIngest", "FlowArchive", "FlowLog", "FlowGen", "FlowCodecs", "FlowSupport"],
                    swiftSettings: swiftSettings),
        .testTarget(name: "FlowGenTests", dependencies: ["FlowGen", "FlowLog", "FlowCodecs", "FlowSupport"],
                    swiftSettings: swiftSettings),
        .testTarget(name: "FlowQueryTests", dependencies: ["FlowQuery", "FlowLog", "FlowArchive", "FlowSupport"],
                    swiftSettings: swiftSettings),
        .testTarget(name: "FlowSupportTests", dependencies: ["FlowSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "CLITests", dependencies: ["FlowSupport"], swiftSettings: swiftSettings),
    ],
    swiftLanguageModes: [.v6]
)
