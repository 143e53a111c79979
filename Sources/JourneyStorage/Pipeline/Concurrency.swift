import Dispatch
import LMDB

/// Hands a value to helper threads that touch disjoint parts of it, or only read it, while its
/// owner waits for them (each use says why that holds).
package struct UnsafeSendable<T>: @unchecked Sendable {
    // @unchecked: the callers' contract above, not the type system, makes the sharing safe.
    package let value: T
    package init(_ value: T) { self.value = value }
}

extension DispatchSemaphore {
    /// A semaphore holding `count` permits, made at 0 and raised: libdispatch traps when a
    /// semaphore is freed below the value it was created with, which a producer stopped early
    /// may leave it at.
    package static func raised(to count: Int) -> DispatchSemaphore {
        let semaphore = DispatchSemaphore(value: 0)
        for _ in 0..<count { semaphore.signal() }
        return semaphore
    }
}

/// Runs `work` on a second thread, in a read transaction of `env` that sees what `txn` sees, while
/// `body` runs on this one. `body` gets a function that waits for `work` and returns its outcome:
/// its result, what it threw, or nil when the second thread's snapshot was another one (the caller
/// then does that work itself). A read transaction sees what `txn` sees when its snapshot is
/// `txn`'s, or, for a write transaction that has not changed what `work` reads, the one it began
/// from: the write transaction's lock keeps any other writer from committing meanwhile. Waits for
/// `work` before returning, also when `body` throws; `work` may only read what it shares with `body`.
package func withHelper<T, R>(inSnapshotOf txn: some ReadableTransaction, of env: Environment,
                      _ work: (ReadTransaction) throws -> T,
                      _ body: (_ waitForHelper: () -> Result<T, any Error>?) throws -> R) throws -> R {
    let ownID = txn.snapshotID
    let outcome = HelperOutcome<T>()
    let done = DispatchGroup()
    return try withoutActuallyEscaping(work) { work in
        let shared = UnsafeSendable(work)
        DispatchQueue.global().async(group: done) {
            let result: Result<T, any Error>?
            do {
                result = try env.read { helperTxn -> Result<T, any Error>? in
                    guard helperTxn.snapshotID == ownID || helperTxn.snapshotID == ownID - 1 else { return nil }
                    return .success(try shared.value(helperTxn))
                }
            } catch {
                result = .failure(error)
            }
            outcome.value = result
        }
        defer { done.wait() }  // `work` must not outlive this call
        return try body {
            done.wait()
            return outcome.value
        }
    }
}

/// What a helper of ``withHelper(inSnapshotOf:of:_:_:)`` left: written by the helper before it
/// leaves its dispatch group, read after waiting for the group (which orders the two).
private final class HelperOutcome<T>: @unchecked Sendable {
    package var value: Result<T, any Error>?
}
