import Foundation

/// Files of this repository the tests read: the shipped mapping, fixtures and golden files.
enum RepositoryFiles {
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    static let root = testsDirectory.deletingLastPathComponent().deletingLastPathComponent()

    static func text(_ url: URL) throws -> String {
        String(decoding: try Data(contentsOf: url), as: UTF8.self)
    }

    static func fixture(_ name: String) throws -> String {
        try text(testsDirectory.appendingPathComponent("Fixtures").appendingPathComponent(name))
    }

    /// The files that turn a copy of the legacy database into the migrated one (`Fixtures/migrated.txt`).
    static func migratedDatabaseFiles() throws -> [URL] {
        try fixture("migrated.txt").split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
            .map { root.appendingPathComponent($0) }
    }

    static var goldenDirectory: URL { testsDirectory.appendingPathComponent("Golden") }

    static var mappingPath: String { root.appendingPathComponent("config/mapping.toml").path }
}
