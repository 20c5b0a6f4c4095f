import Foundation
import FuzzTargets
import XCTest

/// Every kept fuzz input, replayed through its target in an ordinary build: the corpus (what the
/// fuzzer found interesting) and the regressions (inputs that once crashed or broke an invariant).
final class CorpusReplayTests: XCTestCase {
    static let fuzzDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let root = fuzzDirectory.deletingLastPathComponent().deletingLastPathComponent()

    func testCorpusStartup() throws { try replay(.startup, from: "corpus", minimum: 6) }
    func testCorpusFrontend() throws { try replay(.frontend, from: "corpus", minimum: 10) }
    func testCorpusBackend() throws { try replay(.backend, from: "corpus", minimum: 10) }
    func testCorpusRewriter() throws { try replay(.rewriter, from: "corpus", minimum: 20) }

    func testRegressions() throws {
        for name in FuzzTargetName.allCases {
            try replay(name, from: "regressions", minimum: 0)
        }
    }

    private func replay(_ name: FuzzTargetName, from folder: String, minimum: Int) throws {
        let directory = Self.fuzzDirectory.appendingPathComponent(folder).appendingPathComponent(name.rawValue)
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { !$0.hasPrefix(".") }.sorted()
        XCTAssertGreaterThanOrEqual(files.count, minimum, "\(directory.path) holds too few inputs")
        guard !files.isEmpty else { return }
        let target = try name.makeTarget(mappingPath: Self.root.appendingPathComponent("config/mapping.toml").path)
        for file in files {
            let data = try Data(contentsOf: directory.appendingPathComponent(file))
            do {
                try target.run(Array(data))
            } catch {
                XCTFail("\(folder)/\(name.rawValue)/\(file): \(error)")
            }
        }
    }
}
