import Foundation
import FuzzTargets

/// Runs saved inputs (files, or every file of a folder) through a target once each: how a plain
/// build checks a corpus or a crash input without libFuzzer.
enum Replay {
    static func run(paths: [String], target: any FuzzTarget, name: FuzzTargetName) -> Int32 {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                FuzzMain.fail("pgcutover-fuzz: no such file or folder \(path)")
            }
            if isDirectory.boolValue {
                let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
                files += entries.sorted().map { (path as NSString).appendingPathComponent($0) }
            } else {
                files.append(path)
            }
        }
        var findings = 0
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            do {
                try target.run(Array(data))
            } catch {
                findings += 1
                print("\(file): \(error)")
            }
        }
        print("\(name.rawValue): replayed \(files.count) inputs, \(findings) findings")
        return findings == 0 ? 0 : 1
    }
}
