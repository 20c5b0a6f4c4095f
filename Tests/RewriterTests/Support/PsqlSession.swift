import Foundation

/// One long-lived `psql` process: statements are fed to its standard input while it runs, so a
/// test can hold a transaction open in one session while another session's statement waits on
/// it. Output goes to temporary files (read at the end), so no pipe can fill while the session
/// is blocked. Sessions are named with `application_name`, which `pg_stat_activity` shows.
final class PsqlSession {
    let applicationName: String
    private let process = Process()
    private let input = Pipe()
    private let outputURL: URL
    private let errorURL: URL

    struct Output {
        let stdout: String
        let stderr: String

        /// The SQLSTATE of the first error (`\set VERBOSITY verbose` prints `ERROR:  23505: …`).
        var sqlState: String? {
            guard let range = stderr.range(of: "ERROR:  ") else { return nil }
            return String(stderr[range.upperBound...].prefix(5))
        }
    }

    init(url: String, applicationName: String) throws {
        self.applicationName = applicationName
        let directory = FileManager.default.temporaryDirectory
        outputURL = directory.appendingPathComponent("pgcutover-\(applicationName)-\(UUID().uuidString).out")
        errorURL = directory.appendingPathComponent("pgcutover-\(applicationName)-\(UUID().uuidString).err")
        for url in [outputURL, errorURL] {
            guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
            }
        }
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["psql", "-X", "-A", "-t", "-d", url]
        var environment = ProcessInfo.processInfo.environment
        environment["PGAPPNAME"] = applicationName
        process.environment = environment
        process.standardInput = input
        process.standardOutput = try FileHandle(forWritingTo: outputURL)
        process.standardError = try FileHandle(forWritingTo: errorURL)
        try process.run()
        send("\\set VERBOSITY verbose")
    }

    /// Feeds lines to the session; psql runs each statement as soon as its `;` arrives.
    func send(_ lines: String) {
        input.fileHandleForWriting.write(Data((lines + "\n").utf8))
    }

    /// Ends the input and waits for psql to exit.
    func finish() throws -> Output {
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        defer {
            try? FileManager.default.removeItem(at: outputURL)
            try? FileManager.default.removeItem(at: errorURL)
        }
        return Output(
            stdout: String(decoding: try Data(contentsOf: outputURL), as: UTF8.self),
            stderr: String(decoding: try Data(contentsOf: errorURL), as: UTF8.self))
    }

    deinit {
        if process.isRunning { process.terminate() }
    }
}
