import CLMDB
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What ``Environment/checkPages(in:problemsMax:)`` found.
public struct PageCheckReport: Sendable, Equatable {
    /// Pages of the data file up to the snapshot's last page.
    public var pages = 0
    /// Pages reached from the roots of the free list, the main database and each named database.
    public var pagesInTrees = 0
    /// Pages the free list holds.
    public var freePages = 0
    /// Named databases walked.
    public var databases = 0
    /// What is wrong, one line each (at most the `problemsMax` asked for).
    public var problems: [String] = []
    public var isSound: Bool { problems.isEmpty }
}

extension Environment {
    /// Checks the structure of the data file as `txn`'s snapshot sees it, reading pages with
    /// `pread` (never through the map, so a damaged page cannot crash the check): the meta page of
    /// the snapshot; every page of the free list, the main database and each named database (its
    /// header, its node offsets and sizes, child and overflow page numbers within the file, tree
    /// depth, no page reached twice); the entry and page counts each database records; and that
    /// every page is either in a tree, on the free list or a meta page.
    ///
    /// LMDB itself trusts its pages: a damaged branch page can make it read far outside the map
    /// and crash. `journey verify` runs this first and stops at the first damaged page.
    /// - Complexity: O(pages), one `pread` per page.
    public func checkPages(in txn: ReadTransaction, problemsMax: Int = 50) throws(LMDBError) -> PageCheckReport {
        var fd: Int32 = -1
        try check(mdb_env_get_fd(handle, &fd), "data file")
        var stat = MDB_stat()
        try check(mdb_env_stat(handle, &stat), "environment stat")
        var checker = PageChecker(fd: fd, pageSize: Int(stat.ms_psize), problemsMax: problemsMax)
        checker.run(snapshot: UInt64(mdb_txn_id(txn.handle)))
        return checker.report
    }
}

private struct PageChecker {
    let fd: Int32
    let pageSize: Int
    let problemsMax: Int
    var report = PageCheckReport()
    private var lastPage: UInt64 = 0
    /// Per page: reached from a tree, or on the free list.
    private var inTree: [Bool] = []
    private var free: [Bool] = []

    init(fd: Int32, pageSize: Int, problemsMax: Int) {
        self.fd = fd
        self.pageSize = pageSize
        self.problemsMax = problemsMax
    }

    mutating func problem(_ text: String) {
        if report.problems.count < problemsMax { report.problems.append(text) }
    }

    private func read(_ page: UInt64, count: Int = 1) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: pageSize * count)
        let want = bytes.count
        let got = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, want, off_t(page) * off_t(pageSize)) }
        return got == want ? bytes : nil
    }

    mutating func run(snapshot: UInt64) {
        guard pageSize >= 512, let first = read(0), let second = read(1) else {
            problem("the data file's meta pages cannot be read")
            return
        }
        let metas = [first, second].filter { $0.u64(PageLayout.metaLastPage + 8) == snapshot }
        guard let meta = metas.first else {
            problem("neither meta page belongs to the snapshot being checked (transaction \(snapshot))")
            return
        }
        guard meta.u16(10) & PageLayout.meta != 0, meta.u32(PageLayout.headerBytes) == PageLayout.magic, meta.u32(PageLayout.headerBytes + 4) == 1 else {
            problem("the meta page of transaction \(snapshot) is damaged (flags, magic or version)")
            return
        }
        lastPage = meta.u64(PageLayout.metaLastPage)
        // Pages past the file's end may be counted (allocated and freed again unwritten), never used.
        var info = stat()
        let filePages = fstat(fd, &info) == 0 ? UInt64(info.st_size) / UInt64(pageSize) : 0
        guard lastPage >= 1, lastPage < 1 << 40, lastPage < filePages + (1 << 20) else {
            problem("the meta page says the last page is \(lastPage); the file holds \(filePages) pages")
            return
        }
        report.pages = Int(lastPage) + 1
        inTree = [Bool](repeating: false, count: report.pages)
        free = inTree
        inTree[0] = true
        inTree[1] = true
        let freeList = DatabaseRecord(meta, at: PageLayout.headerBytes + 24)
        let main = DatabaseRecord(meta, at: PageLayout.headerBytes + 24 + PageLayout.databaseRecordBytes)
        walk(freeList, name: "the free list", isFreeList: true)
        walk(main, name: "the main database", isMain: true)
        guard report.problems.isEmpty else { return }
        report.pagesInTrees = inTree.filter { $0 }.count - 2
        report.freePages = free.filter { $0 }.count
        if let both = inTree.indices.first(where: { inTree[$0] && free[$0] }) {
            problem("page \(both) is on the free list and in a database")
        }
        let accounted = zip(inTree, free).filter { $0 || $1 }.count
        if accounted != report.pages {
            problem("\(report.pages - accounted) pages are neither in a database nor on the free list")
        }
    }

    /// What a walk of one tree counted, to compare with its database record.
    private struct Counts {
        var branch: UInt64 = 0, leaf: UInt64 = 0, overflow: UInt64 = 0, entries: UInt64 = 0
    }

    /// Which tree is walked, for messages and for what its leaves hold.
    private struct Tree {
        var name: String
        var isFreeList = false
        var isMain = false
        var level = 0
    }

    /// Walks one database's tree from its root, checking each page and the record's counts.
    private mutating func walk(_ db: DatabaseRecord, name: String, isFreeList: Bool = false, isMain: Bool = false, level: Int = 0) {
        guard db.root != DatabaseRecord.noRoot else {
            if db.entries != 0 || db.depth != 0 { problem("\(name) has no root but records \(db.entries) entries") }
            return
        }
        let tree = Tree(name: name, isFreeList: isFreeList, isMain: isMain, level: level)
        var counted = Counts()
        var stack: [(page: UInt64, depth: Int)] = [(db.root, db.depth)]
        while let (page, depth) = stack.popLast() {
            guard report.problems.count < problemsMax else { return }
            guard claim(page, name: name) else { continue }
            guard let bytes = read(page) else { problem("\(name): page \(page) lies past the end of the file (truncated?)"); continue }
            checkPage(bytes, page: page, depth: depth, tree: tree, counted: &counted, children: &stack)
        }
        let found = (counted.branch, counted.leaf, counted.overflow)
        if report.problems.isEmpty, found != (db.branchPages, db.leafPages, db.overflowPages) || counted.entries != db.entries {
            problem("\(name) records \(db.branchPages) branch, \(db.leafPages) leaf and \(db.overflowPages) overflow pages and \(db.entries) entries; its tree has \(found.0), \(found.1), \(found.2) and \(counted.entries)")
        }
    }

    /// Checks one branch or leaf page's header and nodes; a branch's children go on `children`.
    private mutating func checkPage(_ bytes: [UInt8], page: UInt64, depth: Int, tree: Tree, counted: inout Counts,
                                    children: inout [(page: UInt64, depth: Int)]) {
        let name = tree.name
        let flags = bytes.u16(10)
        guard bytes.u64(0) == page else { problem("\(name): page \(page) says it is page \(bytes.u64(0))"); return }
        let isBranch = flags & PageLayout.branch != 0, isLeaf = flags & PageLayout.leaf != 0
        guard isBranch != isLeaf, flags & (PageLayout.overflow | PageLayout.meta) == 0 else {
            problem("\(name): page \(page) has flags \(flags), not a branch or leaf page")
            return
        }
        guard depth >= 1, isBranch == (depth > 1) else {
            problem("\(name): page \(page) is a \(isBranch ? "branch" : "leaf") page at tree level \(depth)")
            return
        }
        let lower = Int(bytes.u16(12)), upper = Int(bytes.u16(14))
        guard lower >= PageLayout.headerBytes, lower <= upper, upper <= pageSize, (lower - PageLayout.headerBytes) % 2 == 0 else {
            problem("\(name): page \(page) has free-space bounds \(lower)…\(upper)")
            return
        }
        if flags & PageLayout.leaf2 != 0 { counted.leaf += 1; return }  // fixed-size duplicates: no nodes to check
        if isBranch { counted.branch += 1 } else { counted.leaf += 1 }
        for k in 0..<(lower - PageLayout.headerBytes) / 2 {
            let at = Int(bytes.u16(PageLayout.headerBytes + 2 * k))
            guard at >= upper, at + PageLayout.nodeHeaderBytes <= pageSize else {
                problem("\(name): page \(page), node \(k) lies at \(at), outside the page's nodes")
                return
            }
            let lo = UInt64(bytes.u16(at)), hi = UInt64(bytes.u16(at + 2)), nodeFlags = bytes.u16(at + 4)
            let dataAt = at + PageLayout.nodeHeaderBytes + Int(bytes.u16(at + 6))
            guard dataAt <= pageSize else { problem("\(name): page \(page), node \(k) has a key past the page"); return }
            if isBranch {
                let child = lo | hi << 16 | UInt64(nodeFlags) << 32
                guard child >= 2, child <= lastPage else { problem("\(name): page \(page) points to page \(child), outside the file"); return }
                children.append((child, depth - 1))
                continue
            }
            counted.entries += 1
            guard checkLeafNode(bytes, page: page, node: k, at: at, dataAt: dataAt, dataBytes: Int(lo | hi << 16),
                                flags: nodeFlags, tree: tree, counted: &counted) else { return }
        }
    }

    /// Checks a leaf node's data (in the page, or in an overflow run) and what it holds: free pages
    /// in the free list, a database record in the main database. `false` stops the page's check.
    private mutating func checkLeafNode(_ bytes: [UInt8], page: UInt64, node k: Int, at: Int, dataAt: Int, dataBytes: Int,
                                        flags: UInt16, tree: Tree, counted: inout Counts) -> Bool {
        let name = tree.name
        if flags & PageLayout.bigData != 0 {
            guard dataAt + 8 <= pageSize else { problem("\(name): page \(page), node \(k) is truncated"); return false }
            let run = checkOverflow(bytes.u64(dataAt), bytes: dataBytes, name: name)
            counted.overflow += run
            if tree.isFreeList, run > 0, let data = read(bytes.u64(dataAt), count: Int(run)) {
                markFree(data, at: PageLayout.headerBytes, count: dataBytes, name: name)
            }
            return true
        }
        guard dataAt + dataBytes <= pageSize else { problem("\(name): page \(page), node \(k) has data past the page"); return false }
        if tree.isFreeList {
            markFree(bytes, at: dataAt, count: dataBytes, name: name)
        } else if flags & PageLayout.subData != 0 {
            guard dataBytes == PageLayout.databaseRecordBytes else {
                problem("\(name): page \(page), node \(k) has a database record of \(dataBytes) bytes")
                return false
            }
            // Named databases hang off the main one, duplicate sub-databases off those: no deeper.
            guard tree.level < 2 else { problem("\(name): page \(page), node \(k) nests databases too deep"); return false }
            if tree.isMain {
                report.databases += 1
                let key = String(decoding: bytes[(at + PageLayout.nodeHeaderBytes)..<dataAt], as: UTF8.self)
                walk(DatabaseRecord(bytes, at: dataAt), name: "database \(key)", level: tree.level + 1)
            } else {
                walk(DatabaseRecord(bytes, at: dataAt), name: "\(name) (duplicates)", level: tree.level + 1)
            }
        }
        return true
    }

    /// Marks `page` as in a tree; `false` (and a problem) when it is out of the file or reached twice.
    private mutating func claim(_ page: UInt64, name: String) -> Bool {
        guard page >= 2, page <= lastPage else { problem("\(name) refers to page \(page), outside the file's \(lastPage + 1)"); return false }
        guard !inTree[Int(page)] else { problem("\(name): page \(page) is reached twice (a damaged branch)"); return false }
        inTree[Int(page)] = true
        return true
    }

    /// Checks an overflow run of `bytes` of data starting at `page`; returns its page count.
    private mutating func checkOverflow(_ page: UInt64, bytes: Int, name: String) -> UInt64 {
        let expected = UInt64((PageLayout.headerBytes - 1 + bytes) / pageSize + 1)
        guard page >= 2, page <= lastPage, page + expected - 1 <= lastPage else {
            problem("\(name): a value of \(bytes) bytes is said to be at page \(page), outside the file")
            return 0
        }
        guard let header = read(page), read(page + expected - 1) != nil else {
            problem("\(name): overflow pages \(page)…\(page + expected - 1) lie past the end of the file (truncated?)")
            return 0
        }
        guard header.u64(0) == page, header.u16(10) & PageLayout.overflow != 0, UInt64(header.u32(12)) == expected else {
            problem("\(name): overflow page \(page) is damaged (its header does not hold a \(bytes)-byte value)")
            return 0
        }
        for p in page..<(page + expected) {
            guard claim(p, name: name) else { return 0 }
        }
        return expected
    }

    /// A free-list entry: a count, then that many page numbers.
    private mutating func markFree(_ bytes: [UInt8], at: Int, count: Int, name: String) {
        guard count >= 8, count % 8 == 0 else { problem("\(name) holds an entry of \(count) bytes"); return }
        let n = bytes.u64(at)
        guard n == UInt64(count / 8 - 1) else { problem("\(name) holds an entry counting \(n) pages in \(count) bytes"); return }
        for k in 0..<Int(n) {
            let page = bytes.u64(at + 8 + 8 * k)
            guard page >= 2, page <= lastPage, !free[Int(page)] else {
                problem("\(name) lists page \(page), outside the file or twice")
                return
            }
            free[Int(page)] = true
        }
    }
}

