import Foundation

/// The residual-access report: who still touches the legacy tables, grouped by
/// application_name, user and statement fingerprint, newest first. Built line by line, so a log
/// of any size is read with memory proportional to the number of groups.
public struct AuditReport: Sendable, Equatable {
    public struct Group: Sendable, Equatable {
        public var applicationName: String?
        public var user: String?
        /// libpg_query's fingerprint; nil for statements that did not parse.
        public var fingerprint: String?
        public var count: Int
        public var firstSeen: Date
        public var lastSeen: Date
        /// Sorted by name.
        public var tables: [String]
        /// Sorted by name.
        public var actions: [String]
        /// The normalized text of the first statement seen in the group.
        public var exampleStatement: String?
    }

    /// Newest `lastSeen` first.
    public var groups: [Group]
    /// Records counted in the groups.
    public var records: Int
    /// Well-formed records older than `since`.
    public var skippedOlder: Int
    /// Lines that are not an audit record (not JSON, or missing time, tables or action).
    public var malformedLines: Int

    /// Reads the JSON Lines log at `path`, streaming.
    public static func read(path: String, since: Date? = nil) throws -> AuditReport {
        var builder = Builder(since: since)
        try AuditLogLines.forEachLine(inFileAt: path) { builder.add(line: $0) }
        return builder.report()
    }

    /// Accumulates lines into groups.
    public struct Builder {
        private struct Key: Hashable {
            var applicationName: String?
            var user: String?
            var fingerprint: String?
            /// Statements without a fingerprint are told apart by their text.
            var unparsedStatement: String?
        }

        private struct Accumulated {
            var group: Group
            var tables: Set<String>
            var actions: Set<String>
        }

        /// The fields of a record the report uses; the others are ignored.
        private struct Line: Decodable {
            var time: String
            var application_name: String?
            var user: String?
            var fingerprint: String?
            var tables: [String]
            var action: String
            var statement: String?
        }

        private let since: Date?
        private let decoder = JSONDecoder()
        private var groups: [Key: Accumulated] = [:]
        private var records = 0
        private var skippedOlder = 0
        private var malformedLines = 0

        public init(since: Date? = nil) {
            self.since = since
        }

        /// One line of the log, without its newline. Blank lines are ignored.
        public mutating func add(line: some Collection<UInt8>) {
            if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }) {
                return
            }
            guard let record = try? decoder.decode(Line.self, from: Data(line)),
                  let time = RFC3339.parse(record.time)
            else {
                malformedLines += 1
                return
            }
            if let since, time < since {
                skippedOlder += 1
                return
            }
            records += 1
            let key = Key(
                applicationName: record.application_name, user: record.user, fingerprint: record.fingerprint,
                unparsedStatement: record.fingerprint == nil ? record.statement : nil)
            if var entry = groups[key] {
                entry.group.count += 1
                if time < entry.group.firstSeen {
                    entry.group.firstSeen = time
                    if let statement = record.statement { entry.group.exampleStatement = statement }
                }
                if time > entry.group.lastSeen { entry.group.lastSeen = time }
                if entry.group.exampleStatement == nil { entry.group.exampleStatement = record.statement }
                entry.tables.formUnion(record.tables)
                entry.actions.insert(record.action)
                groups[key] = entry
            } else {
                groups[key] = Accumulated(
                    group: Group(
                        applicationName: record.application_name, user: record.user, fingerprint: record.fingerprint,
                        count: 1, firstSeen: time, lastSeen: time, tables: [], actions: [],
                        exampleStatement: record.statement),
                    tables: Set(record.tables), actions: [record.action])
            }
        }

        public func report() -> AuditReport {
            let sorted = groups.values.map { entry -> Group in
                var group = entry.group
                group.tables = entry.tables.sorted()
                group.actions = entry.actions.sorted()
                return group
            }.sorted(by: Self.newestFirst)
            return AuditReport(groups: sorted, records: records, skippedOlder: skippedOlder, malformedLines: malformedLines)
        }

        /// Newest last-seen first; ties by count (largest first), then by name, so output is stable.
        private static func newestFirst(_ a: Group, _ b: Group) -> Bool {
            if a.lastSeen != b.lastSeen { return a.lastSeen > b.lastSeen }
            if a.count != b.count { return a.count > b.count }
            if a.applicationName != b.applicationName { return (a.applicationName ?? "") < (b.applicationName ?? "") }
            if a.user != b.user { return (a.user ?? "") < (b.user ?? "") }
            if a.fingerprint != b.fingerprint { return (a.fingerprint ?? "") < (b.fingerprint ?? "") }
            return (a.exampleStatement ?? "") < (b.exampleStatement ?? "")
        }
    }
}
