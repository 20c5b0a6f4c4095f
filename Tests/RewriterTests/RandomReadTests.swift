import Rewriter
import XCTest

/// Property: for any read built from the legacy columns — random projections, conjunctions of
/// predicates on every column type, pushdown-eligible or not, ordering and limits — the
/// rewritten statement on the folded data returns what the legacy table returns. The generator
/// is seeded, so a failure names a statement that reproduces.
final class RandomReadTests: XCTestCase {
    func testRandomReadsMatchTheLegacyTables() throws {
        let databases = try DifferentialDatabases.shared.get()
        let rewriter = Rewriter(mapping: try Rewriter.loadMapping(path: RepositoryFiles.mappingPath))
        var generator = ReadGenerator(seed: 0x5eed_2026)
        var nonEmpty = 0
        let count = 80
        for _ in 0..<count {
            let (sql, ordered) = generator.next()
            guard case .rewritten(let rewritten, _) = rewriter.rewrite(sql) else {
                XCTFail("not rewritten: \(sql)")
                continue
            }
            var legacy = try databases.legacy.result(of: sql)
            var migrated: QueryResult
            do {
                migrated = try databases.migrated.result(of: rewritten)
            } catch {
                XCTFail("rewritten statement failed: \(sql)\n\(error)")
                continue
            }
            if !legacy.rows.isEmpty { nonEmpty += 1 }
            if !ordered {
                legacy.rows.sort()
                migrated.rows.sort()
            }
            XCTAssertEqual(legacy, migrated, sql)
        }
        // The generator must exercise data, not only empty results.
        XCTAssertGreaterThan(nonEmpty, count / 2)
    }
}

/// Random reads over the two legacy tables, from a SplitMix64 stream.
struct ReadGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    private mutating func random() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private mutating func pick<T>(_ choices: [T]) -> T { choices[Int(random() % UInt64(choices.count))] }
    private mutating func chance(_ percent: UInt64) -> Bool { random() % 100 < percent }

    private static let words = ["'w001'", "'w002'", "'w007'", "'w030'", "'w059'", "'Ζεύς'", "'O''Brien'", "'nothing'"]
    private static let gods = ["'zeus'", "'athena'", "'apollo'", "'Hermes Trismegistus'", "'O''Neil'", "'hera'"]

    private static let profileColumns = [
        "id", "god_name", "word", "relevance_score", "usage_count", "last_used", "learned_from_phi", "basin_distance",
    ]
    private static let relationshipColumns = [
        "id", "word", "neighbor", "cooccurrence_count", "strength", "avg_phi", "max_phi", "fisher_distance",
        "contexts", "updated_at",
    ]

    private mutating func predicate(_ column: String, _ q: String) -> String {
        let c = q.isEmpty ? column : "\(q).\(column)"
        switch column {
        case "id": return pick(["\(c) < \(random() % 300)", "\(c) IN (\(random() % 50), \(random() % 50 + 50))", "\(c) % 3 = 0"])
        case "god_name": return pick(["\(c) = \(pick(Self.gods))", "\(c) IN (\(pick(Self.gods)), \(pick(Self.gods)))", "\(c) <> \(pick(Self.gods))", "\(c) LIKE 'a%'"])
        case "word", "neighbor":
            return pick(["\(c) = \(pick(Self.words))", "\(c) = ANY(ARRAY[\(pick(Self.words)), \(pick(Self.words))])",
                         "\(c) IN (\(pick(Self.words)), \(pick(Self.words)), \(pick(Self.words)))", "\(c) < 'w020'", "\(c) >= 'w050'"])
        case "usage_count": return pick(["\(c) IS NULL", "\(c) > \(random() % 8)", "\(c) = \(random() % 8)"])
        case "last_used", "updated_at":
            return pick(["\(c) IS NULL", "\(c) < '2026-01-11 12:00'", "\(c) > '2026-01-20 10:02:00'", "\(c)::date = '2026-01-11'"])
        case "contexts": return pick(["\(c) IS NULL", "\(c) = '{}'", "'a,b' = ANY(\(c))", "cardinality(\(c)) > 1", "\(c) @> ARRAY['x']"])
        default: return pick(["\(c) IS NULL", "\(c) > 0.\(random() % 10)", "\(c) < \(random() % 20)", "\(c) IS NOT NULL"])
        }
    }

    mutating func next() -> (sql: String, ordered: Bool) {
        let profiles = chance(50)
        let table = profiles ? "god_vocabulary_profiles" : "basin_relationships"
        let columns = profiles ? Self.profileColumns : Self.relationshipColumns
        let alias = pick(["", "t", "\"T\""])
        let q = alias.isEmpty ? "" : alias
        var projection = (0..<(1 + Int(random() % 4))).map { _ in pick(columns) }.map { q.isEmpty ? $0 : "\(q).\($0)" }
        if chance(15) { projection = ["*"] }
        let predicates = (0..<Int(random() % 4)).map { _ in predicate(pick(columns), q) }
        var sql = "SELECT \(projection.joined(separator: ", ")) FROM \(chance(20) ? "public." : "")\(table)"
        if !alias.isEmpty { sql += " \(chance(50) ? "AS " : "")\(alias)" }
        if !predicates.isEmpty { sql += " WHERE " + predicates.joined(separator: chance(80) ? " AND " : " OR ") }
        var ordered = false
        if chance(40) {
            sql += " ORDER BY \(q.isEmpty ? "id" : "\(q).id")\(chance(50) ? " DESC" : "")"
            ordered = projection == ["*"] || projection.contains { $0.hasSuffix("id") && !$0.hasSuffix("_id") }
            if chance(50) { sql += " LIMIT \(1 + random() % 30)" }
        }
        return (sql, ordered)
    }
}
