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

    static var goldenDirectory: URL { testsDirectory.appendingPathComponent("Golden") }

    static var mappingPath: String { root.appendingPathComponent("config/mapping.toml").path }
}
