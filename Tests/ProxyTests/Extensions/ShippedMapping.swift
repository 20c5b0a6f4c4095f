import Foundation
@testable import Proxy
import Rewriter

/// The repository's config/mapping.toml, the mapping the proxy ships, which these tests drive.
enum ShippedMapping {
    static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../config/mapping.toml").standardized.path

    static let router = StatementRouter(rewriter: Rewriter(mapping: try! Rewriter.loadMapping(path: path)), cacheCapacity: 16)
}
