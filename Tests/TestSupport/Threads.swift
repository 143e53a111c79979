import Foundation

/// Runs `work` on a new thread and waits for it to finish (tests only).
public func runOnAnotherThread(_ work: @escaping @Sendable () -> Void) {
    let done = DispatchSemaphore(value: 0)
    let thread = Thread { work(); done.signal() }
    thread.start()
    done.wait()
}
