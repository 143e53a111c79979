import Foundation
import Testing
@testable import JourneyStore

/// The fuzz targets of tools/fuzzing in every `swift test` (issue 16): each corpus and every crash
/// fuzzing found (`tools/fuzzing/regressions/TARGET/`) through the target's checks, then a short
/// seeded pass of mutated corpus entries, so that a regression shows without running libFuzzer.
/// (A regression that traps ends the test process, as it ended the fuzzer.)
@Suite struct FuzzRegressionTests {
    static let fuzzing = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("tools/fuzzing")

    /// The files of `tools/fuzzing/KIND/TARGET`, by name.
    static func inputs(_ kind: String, _ target: FuzzTarget) throws -> [(name: String, bytes: [UInt8])] {
        let directory = fuzzing.appendingPathComponent(kind).appendingPathComponent(target.rawValue)
        guard FileManager.default.fileExists(atPath: directory.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted().map { name in
            (kind + "/" + target.rawValue + "/" + name, Array(try Data(contentsOf: directory.appendingPathComponent(name))))
        }
    }

    @Test(arguments: FuzzTarget.allCases)
    func corpusAndCrashesFound(_ target: FuzzTarget) throws {
        let corpus = try Self.inputs("corpus", target)
        #expect(corpus.count >= 20, "tools/fuzzing/corpus/\(target.rawValue) holds the seed inputs")
        for (name, bytes) in try corpus + Self.inputs("regressions", target) {
            #expect(target.check(bytes) == nil, "\(name)")
        }
    }

    /// Inputs per target for the seeded pass: about two seconds each in a debug build.
    static func mutationsCount(_ target: FuzzTarget) -> Int {
        switch target {
        case .jsonl: 50_000
        case .filter: 120_000
        case .plan: 120_000
        case .eventRecord: 40_000
        case .facts: 80_000
        }
    }

    @Test(arguments: FuzzTarget.allCases)
    func seededMutationsOfTheCorpus(_ target: FuzzTarget) throws {
        let corpus = try Self.inputs("corpus", target).map(\.bytes) + Self.inputs("regressions", target).map(\.bytes)
        try #require(!corpus.isEmpty)
        var random = SeededRandom(seed: 16)
        var mutator = Mutator(corpus: corpus, lengthMax: target == .plan ? 65_536 : 4_096)
        for k in 0..<Self.mutationsCount(target) {
            let input = mutator.next(&random)
            if let finding = target.check(input) {
                Issue.record("mutation \(k): \(finding); input (base64) \(Data(input).base64EncodedString())")
                return
            }
        }
    }
}

/// libFuzzer's simpler mutations, seeded: a corpus entry changed one to four times by byte flips,
/// interesting bytes, insertions, erasures, copies within it and splices with another entry.
struct Mutator {
    let corpus: [[UInt8]]
    let lengthMax: Int
    /// Bytes that matter to the decoders: JSON punctuation, varint and UTF-8 edges, digits, escapes.
    static let interesting: [UInt8] = Array(#"{}[]":,\ -.0159eEnu"#.utf8) + [0x00, 0x01, 0x02, 0x7F, 0x80, 0xBF, 0xC0, 0xED, 0xF4, 0xFF, 0x0A]

    mutating func next(_ random: inout SeededRandom) -> [UInt8] {
        var bytes = corpus[Int.random(in: 0..<corpus.count, using: &random)]
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            mutate(&bytes, &random)
        }
        return Array(bytes.prefix(lengthMax))
    }

    private func mutate(_ bytes: inout [UInt8], _ random: inout SeededRandom) {
        let at = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &random)
        switch Int.random(in: 0..<7, using: &random) {
        case 0 where !bytes.isEmpty:
            bytes[at] ^= 1 << UInt8.random(in: 0..<8, using: &random)
        case 1 where !bytes.isEmpty:
            bytes[at] = Self.interesting.randomElement(using: &random)!
        case 2:
            bytes.insert(contentsOf: (0..<Int.random(in: 1...8, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }, at: at)
        case 3:
            bytes.insert(Self.interesting.randomElement(using: &random)!, at: at)
        case 4 where !bytes.isEmpty:
            bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...16, using: &random)))
        case 5 where !bytes.isEmpty:
            let from = Int.random(in: 0..<bytes.count, using: &random)
            let piece = bytes[from..<min(bytes.count, from + Int.random(in: 1...32, using: &random))]
            bytes.insert(contentsOf: piece, at: at)
        default:
            let other = corpus[Int.random(in: 0..<corpus.count, using: &random)]
            guard !other.isEmpty else { return }
            let from = Int.random(in: 0..<other.count, using: &random)
            bytes = Array(bytes[..<at]) + other[from...]
        }
    }
}

extension FuzzTarget: CustomTestStringConvertible {
    package var testDescription: String { rawValue }
}
