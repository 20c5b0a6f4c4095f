import ArgumentParser
import Foundation
import Migrator

struct DemoDataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo-data",
        abstract: "Create the legacy schema and fill it with deterministic, production-shaped rows."
    )

    @Option(help: "postgresql:// URL; default: the libpq environment (PGHOST, PGPORT, ...).")
    var databaseURL: String?

    @Option(help: "1.0 is production size (16,031 tokens, 109 profiles, 362,145 relationships).")
    var scale: Double = 1.0

    @Option(help: "Same seed, same rows.")
    var seed: UInt64 = 1

    @Flag(help: "Drop existing legacy tables first (CASCADE).")
    var replace = false

    func run() async throws {
        guard scale > 0 else { throw ValidationError("--scale must be positive") }
        let settings = try ConnectionSettings.resolve(url: databaseURL, environment: ProcessInfo.processInfo.environment)
        let started = ContinuousClock.now
        let rows = DemoDataGenerator(shape: DemoDataShape(scale: scale), seed: seed).generate()
        let database = try await Database.connect(settings)
        do {
            let summary = try await DemoDataLoader(database: database).load(rows, replace: replace)
            await database.close()
            print("demo-data: \(summary.tokens) tokens, \(summary.godProfiles) god profiles, "
                + "\(summary.relationships) relationships in \(started.duration(to: .now))")
        } catch {
            await database.close()
            throw CommandFailure(error)
        }
    }
}
