import Foundation
@testable import JourneyStore
@_spi(Storage) import JourneyStorage

/// A fresh store in its own temporary directory, removed when the value goes away.
final class TemporaryStore {
    let directory: String
    var path: String { directory + "/store" }
    private(set) var store: JourneyStore

    init(options: JourneyStore.Options = .init()) throws {
        directory = NSTemporaryDirectory() + "journey-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        store = try JourneyStore(at: directory + "/store", options: options)
    }

    /// Opens the same directory again, as a new process would.
    func reopen(options: JourneyStore.Options = .init()) throws -> JourneyStore {
        store = try JourneyStore(at: path, options: options)
        return store
    }

    func write(_ name: String, _ text: String) throws -> String {
        let file = directory + "/" + name
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }
}

extension JourneyStore {
    func ingest(_ text: String, skipInvalid: Bool = false) throws -> IngestReport {
        try ingestJSONL(Array(text.utf8), options: .init(skipInvalid: skipInvalid))
    }
}

func time(_ text: String) -> Timestamp { try! Timestamp(rfc3339: text) }

/// The `journey` binary built next to the tests.
func journeyBinary() -> String {
    let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("journey").path
    if FileManager.default.isExecutableFile(atPath: beside) { return beside }
    for candidate in [".build/debug/journey", ".build/release/journey"] where FileManager.default.isExecutableFile(atPath: candidate) {
        return FileManager.default.currentDirectoryPath + "/" + candidate
    }
    return beside
}

struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs a program with arguments and optional standard input, capturing its output.
func run(_ program: String, _ arguments: [String], stdin: String? = nil) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
}

/// Runs `journey` with arguments.
func journey(_ arguments: String..., stdin: String? = nil) throws -> CommandResult {
    try run(journeyBinary(), arguments, stdin: stdin)
}

/// A deterministic generator for property tests (SplitMix64).
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
