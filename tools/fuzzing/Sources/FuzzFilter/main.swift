#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLibFuzzer
import FuzzChecks

/// One input through FuzzTarget.filter: a broken property traps, so libFuzzer keeps the input as a crash.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzz(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    if let finding = FuzzTarget.filter.check(UnsafeRawBufferPointer(start: data, count: count)) { fatalError(finding) }
    return 0
}

// SwiftPM links `main` to this file's top-level code, so libFuzzer's own `main` never runs: start
// its driver here.
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzz))
