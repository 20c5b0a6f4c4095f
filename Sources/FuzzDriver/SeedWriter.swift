import Foundation

/// Writes seed inputs as files named after what they hold, for a corpus folder.
enum SeedWriter {
    static func write(_ seeds: [(label: String, bytes: [UInt8])], into directory: String) -> Int32 {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            for seed in seeds {
                let path = (directory as NSString).appendingPathComponent("seed-\(seed.label)")
                try Data(seed.bytes).write(to: URL(fileURLWithPath: path))
            }
        } catch {
            FuzzMain.fail("pgcutover-fuzz: \(error)")
        }
        print("wrote \(seeds.count) seeds to \(directory)")
        return 0
    }
}
