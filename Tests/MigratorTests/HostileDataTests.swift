import Migrator
import PostgresNIO
import XCTest

final class HostileDataTests: XCTestCase {
    static let words = [
        "o'clock", "say \"hi\"", "back\\slash", "\\N", "$$dollar$$", "$tag$ body $tag$", "tab\tand\nnewline",
        "😀🜂 emoji", "Ζεύς", "日本語", "null", "", " ", "{\"json\": true}", "semi;colon -- comment",
        String(repeating: "long", count: 500),
    ]

    func testHostileWordsAndNullMetricsSurvive() async throws {
        try await TestDatabase.with { db in
            for statement in LegacySchema.statements { try await db.execute(statement) }
            for (i, word) in Self.words.enumerated() {
                if i % 3 != 0 { try await db.query("INSERT INTO coordizer_vocabulary (token) VALUES (\(word))") }
                try await db.query("""
                    INSERT INTO god_vocabulary_profiles (god_name, word, relevance_score, usage_count, last_used, learned_from_phi, basin_distance)
                    VALUES (\(word), \(word), 0.1, NULL, '2026-01-11 08:07:09.123456', NULL, \(i % 2 == 0 ? Float?.none : 0.5))
                    """)
                let neighbor = Self.words[(i + 1) % Self.words.count]
                // NULL contexts on every fourth row; otherwise an array that also holds a NULL element.
                let contexts = [word, "it's", "\"q\"", "\\", ""]
                try await db.query("""
                    INSERT INTO basin_relationships (word, neighbor, cooccurrence_count, strength, avg_phi, max_phi, fisher_distance, contexts, updated_at)
                    VALUES (\(word), \(neighbor), NULL, NULL, 'NaN', 'Infinity', -0.0,
                            CASE WHEN \(i % 4 == 0) THEN NULL ELSE array_append(\(contexts)::text[], NULL) END, NULL)
                    """)
            }
            let summary = try await TestDatabase.runner(db).up()
            XCTAssertEqual(summary?.tokensCreated, (Self.words.count + 2) / 3)
            let report = try await Verifier(database: db).run()
            XCTAssertTrue(report.isClean, report.text)
            XCTAssertEqual(report.tables[0].matched, Self.words.count)
            XCTAssertEqual(report.tables[1].matched, Self.words.count)

            // NULL stays NULL: the key is there, its value is JSON null (the seed's SQL wrote 0.5).
            let nullPhi = try await TestDatabase.int(db, """
                SELECT count(*)::int8 FROM coordizer_vocabulary cv, jsonb_each(cv.god_profile) e
                WHERE e.value ? 'learned_from_phi' AND e.value->'learned_from_phi' = 'null'::jsonb
                  AND e.value->'usage_count' = 'null'::jsonb
                """)
            XCTAssertEqual(nullPhi, Self.words.count)
            let nullStrength = try await TestDatabase.int(db, """
                SELECT count(*)::int8 FROM coordizer_vocabulary cv, jsonb_array_elements(cv.relationships) e
                WHERE e->'strength' = 'null'::jsonb AND e->'cooccurrence_count' = 'null'::jsonb AND e->'updated_at' = 'null'::jsonb
                """)
            XCTAssertEqual(nullStrength, Self.words.count)
            // Each hostile word is its own key and its own token.
            for word in Self.words {
                let found = try await db.scalarInt("""
                    SELECT count(*)::int8 FROM coordizer_vocabulary WHERE token = \(word) AND god_profile ? \(word)
                      AND god_profile->\(word)->>'relevance_score' = '0.1'
                    """)
                XCTAssertEqual(found, 1, "word \(word.debugDescription.prefix(40))")
            }
            // The seed document's own new-style query works on the result.
            let seedQuery = try await TestDatabase.int(db, """
                SELECT count(*)::int8 FROM (SELECT token, jsonb_array_elements(relationships) FROM coordizer_vocabulary
                WHERE relationships IS NOT NULL AND active = true) x
                """)
            XCTAssertEqual(seedQuery, Self.words.count - (Self.words.count + 2) / 3)
        }
    }
}
