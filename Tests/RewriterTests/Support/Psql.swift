import Foundation

/// Runs SQL through the public `psql` client, so the rewriter's tests need no Postgres driver.
/// Output is unaligned with unit/record separators that never occur in the fixture's data.
struct Psql: Sendable {
    static let fieldSeparator = "\u{1f}"
    static let recordSeparator = "\u{1e}"

    let url: String

    struct Failure: Error, CustomStringConvertible {
        let script: String
        let stderr: String
        var description: String { "psql failed: \(stderr)\n--- script ---\n\(script)" }
    }

    /// A connection URL for another database on the same server.
    func database(_ name: String) -> Psql {
        guard var components = URLComponents(string: url) else { return self }
        components.path = "/" + name
        return Psql(url: components.string ?? url)
    }

    /// Runs a script; `quiet: false` keeps command tags (`INSERT 0 2`) in the output.
    @discardableResult
    func run(_ script: String, quiet: Bool = true) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "psql", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-P", "null=<NULL>",
            "-F", Self.fieldSeparator, "-R", Self.recordSeparator, "-d", url,
        ]
        if quiet { process.arguments?.insert("-q", at: 1) }
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Scripts are small and stop at the first error, so neither pipe can fill while the other
        // is being read.
        input.fileHandleForWriting.write(Data(script.utf8))
        try input.fileHandleForWriting.close()
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(script: script, stderr: String(decoding: errorText, as: UTF8.self))
        }
        return String(decoding: stdout, as: UTF8.self)
    }
}
