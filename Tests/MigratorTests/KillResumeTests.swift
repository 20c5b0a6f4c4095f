import Foundation
import Migrator
import XCTest

/// Runs the built `pgcutover` binary and kills it with SIGKILL at random moments; the rerun must end
/// exactly where one uninterrupted run ends.
final class KillResumeTests: XCTestCase {
    func testKill9AtRandomMomentsThenResume() async throws {
        let binary = TestDatabase.binary
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            XCTFail("\(binary) not found; build first (swift build --build-tests)")
            return
        }
        let reference = try await TestDatabase.with { db in
            try await TestDatabase.loadDemo(db, scale: 0.1, seed: 3)
            _ = try await TestDatabase.runner(db, BackfillOptions(batchSize: 20)).up()
            return try await TestDatabase.contentChecksum(db)
        }
        let seed = UInt64.random(in: 0...UInt64.max)
        var rng = SplitMix64(seed: seed)
        try await TestDatabase.with { db in
            try await TestDatabase.loadDemo(db, scale: 0.1, seed: 3)
            let s = db.settings
            let url = "postgresql://\(s.user)@\(s.host):\(s.port)/\(s.database)?sslmode=disable"
            var kills = 0
            for _ in 0..<6 {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: binary)
                process.arguments = ["migrate", "up", "--database-url", url, "--migrations-dir", TestDatabase.migrationsDirectory,
                                     "--batch-size", "20"]
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                try await Task.sleep(for: .milliseconds(50 + rng.below(700)))
                if process.isRunning {
                    kill(process.processIdentifier, SIGKILL)
                    kills += 1
                }
                process.waitUntilExit()
            }
            XCTAssertGreaterThan(kills, 0, "no run was killed; the data set is too small for the timing (rng seed \(seed))")
            let final = try TestDatabase.runBinary(
                ["migrate", "up", "--database-url", url, "--migrations-dir", TestDatabase.migrationsDirectory])
            XCTAssertEqual(final.status, 0, final.output)
            let resumed = try await TestDatabase.contentChecksum(db)
            XCTAssertEqual(resumed, reference, "rng seed \(seed), \(kills) kill(s)")
            let report = try await Verifier(database: db).run()
            XCTAssertTrue(report.isClean, report.text)
            let leftovers = try await TestDatabase.int(db, ChangeLogCatchUpTests.logObjects)
            XCTAssertEqual(leftovers, 0, "change log or raised GIN limit left behind after kills (rng seed \(seed))")
        }
    }
}
