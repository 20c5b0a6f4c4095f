import Foundation

/// One migration as read from `NNNN_name.sql` (and its optional `NNNN_name.down.sql`).
///
/// The file is a list of steps, each introduced by a `-- pgcutover:step` line, each one statement sent
/// on its own. Splitting on marker lines (as goose and dbmate do) keeps the migrator from having to
/// parse SQL, and lets `CREATE INDEX CONCURRENTLY` run outside a transaction block.
public struct MigrationFile: Sendable, Equatable {
    public var version: MigrationVersion
    public var name: String
    public var path: String
    /// The exact file text; its SHA-256 is the recorded checksum.
    public var text: String
    public var steps: [MigrationStep]
    public var downSteps: [MigrationStep]?
    /// A data move (`-- pgcutover:backfill NAME`), run where its marker stands among the steps.
    public var backfill: String?
    /// How many steps come before the backfill marker (all of them when there is no marker).
    public var backfillAfterStep: Int
    /// `-- pgcutover:during-backfill`: the migration needs only the schema steps that come before an
    /// earlier migration's backfill, so it is applied while that backfill is still under way (0030's
    /// sync triggers must be on before the backfill starts, or writes made during it are missed).
    public var appliesDuringEarlierBackfill: Bool

    static let stepMarker = "-- pgcutover:step"
    static let backfillMarker = "-- pgcutover:backfill"
    static let duringBackfillMarker = "-- pgcutover:during-backfill"

    public init(version: MigrationVersion, name: String, path: String, text: String, downText: String?) throws {
        self.version = version
        self.name = name
        self.path = path
        self.text = text
        let parsed = try Self.steps(in: text, path: path)
        steps = parsed.steps
        backfill = parsed.backfill
        backfillAfterStep = parsed.backfillAfterStep ?? parsed.steps.count
        appliesDuringEarlierBackfill = text.split(separator: "\n").contains {
            $0.trimmingCharacters(in: .whitespaces) == Self.duringBackfillMarker
        }
        downSteps = try downText.map { try Self.steps(in: $0, path: path).steps }
    }

    /// Every `NNNN_name.sql` in `directory`, ordered by version.
    public static func load(directory: String) throws -> [MigrationFile] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw MigratorError(sqlState: "58P01", message: "cannot read migrations directory \(directory)",
                                hint: "pass --migrations-dir, or run from the directory that holds migrations/")
        }
        var files: [MigrationFile] = []
        for file in names.sorted() where file.hasSuffix(".sql") && !file.hasSuffix(".down.sql") {
            let stem = String(file.dropLast(4))
            let digits = stem.prefix { $0.isNumber }
            guard let number = Int(digits), stem.dropFirst(digits.count).first == "_" else { continue }
            let path = (directory as NSString).appendingPathComponent(file)
            let downPath = (directory as NSString).appendingPathComponent(stem + ".down.sql")
            let text = try read(path)
            let downText = FileManager.default.fileExists(atPath: downPath) ? try read(downPath) : nil
            files.append(try MigrationFile(version: MigrationVersion(number), name: stem, path: path,
                                           text: text, downText: downText))
        }
        let versions = files.map(\.version)
        if Set(versions).count != versions.count {
            throw MigratorError(sqlState: "42710", message: "two migration files share a version in \(directory)")
        }
        return files.sorted { $0.version < $1.version }
    }

    private static func read(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else { throw MigratorError(sqlState: "58P01", message: "cannot read \(path) as UTF-8") }
        return text
    }

    static func steps(in text: String, path: String) throws
        -> (steps: [MigrationStep], backfill: String?, backfillAfterStep: Int?)
    {
        var steps: [MigrationStep] = []
        var backfill: String?
        var backfillAfterStep: Int?
        var current: (index: String?, lines: [String])?
        func finish() {
            guard let step = current else { return }
            let sql = step.lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
            steps.append(MigrationStep(sql: sql, concurrentIndex: step.index))
        }
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix(stepMarker) {
                finish()
                var index: String?
                for option in trimmed.dropFirst(stepMarker.count).split(separator: " ") {
                    if option.hasPrefix("index=") { index = String(option.dropFirst("index=".count)) }
                    else {
                        throw MigratorError(sqlState: "42601", message: "\(path):\(number + 1): unknown step option \(option)")
                    }
                }
                current = (index, [])
            } else if trimmed == duringBackfillMarker {
                guard current == nil, steps.isEmpty else {
                    throw MigratorError(sqlState: "42601",
                                        message: "\(path):\(number + 1): '\(duringBackfillMarker)' belongs before the first step")
                }
            } else if trimmed.hasPrefix(backfillMarker) {
                finish()
                current = nil
                backfill = trimmed.dropFirst(backfillMarker.count).trimmingCharacters(in: .whitespaces)
                backfillAfterStep = steps.filter { !$0.isEmpty }.count
            } else if current != nil {
                current?.lines.append(String(line))
            } else if !trimmed.isEmpty && !trimmed.hasPrefix("--") {
                throw MigratorError(sqlState: "42601",
                                    message: "\(path):\(number + 1): SQL before the first '\(stepMarker)' line")
            }
        }
        finish()
        return (steps.filter { !$0.isEmpty }, backfill, backfillAfterStep)
    }
}
