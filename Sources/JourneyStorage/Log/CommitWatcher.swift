#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Waits for a commit to a store's data file without busy-waiting: on Linux, inotify reports each
/// write to `data.mdb` (LMDB writes a commit's pages and meta page there); elsewhere, or when
/// inotify is not available, the wait is a sleep of the timeout.
package final class CommitWatcher {
    private let fd: Int32

    /// Watches `directory/data.mdb`.
    package init(directory: String) {
        #if os(Linux)
        let fd = inotify_init1(Int32(IN_CLOEXEC))
        if fd >= 0, inotify_add_watch(fd, directory + "/data.mdb", UInt32(IN_MODIFY) | UInt32(IN_CLOSE_WRITE)) < 0 {
            close(fd)
            self.fd = -1
        } else {
            self.fd = fd
        }
        #else
        fd = -1
        #endif
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Returns once the data file was written since the last call (or since this watcher was made),
    /// or after `seconds`.
    package func wait(seconds: Double) {
        guard fd >= 0 else {
            usleep(UInt32(min(seconds, 60) * 1_000_000))
            return
        }
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&entry, 1, Int32(min(seconds, 3600) * 1000)) > 0 else { return }
        var buffer = [UInt8](repeating: 0, count: 4096)
        _ = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    }
}
