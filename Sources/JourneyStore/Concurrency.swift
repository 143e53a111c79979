import Dispatch

/// Hands a value to helper threads that touch disjoint parts of it, or only read it, while its
/// owner waits for them (each use says why that holds).
struct UnsafeSendable<T>: @unchecked Sendable {
    // @unchecked: the callers' contract above, not the type system, makes the sharing safe.
    let value: T
    init(_ value: T) { self.value = value }
}

extension DispatchSemaphore {
    /// A semaphore holding `count` permits, made at 0 and raised: libdispatch traps when a
    /// semaphore is freed below the value it was created with, which a producer stopped early
    /// may leave it at.
    static func raised(to count: Int) -> DispatchSemaphore {
        let semaphore = DispatchSemaphore(value: 0)
        for _ in 0..<count { semaphore.signal() }
        return semaphore
    }
}
