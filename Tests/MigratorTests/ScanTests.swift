import Migrator
import PostgresNIO
import XCTest

final class ScanTests: XCTestCase {
    func testScanListsObjectsTheProxyCannotSee() async throws {
        try await TestDatabase.with { db in
            for statement in LegacySchema.statements { try await db.execute(statement) }
            let empty = try await DependencyScan(database: db).run()
            XCTAssertEqual(empty, [])
            try await db.execute("CREATE VIEW zeus_words AS SELECT word FROM god_vocabulary_profiles WHERE god_name = 'zeus'")
            try await db.execute("CREATE MATERIALIZED VIEW rel_counts AS SELECT word, count(*) FROM basin_relationships GROUP BY word")
            try await db.execute("""
                CREATE FUNCTION learn(w text, n text) RETURNS void LANGUAGE plpgsql AS $$
                BEGIN INSERT INTO basin_relationships (word, neighbor) VALUES (w, n); END $$
                """)
            try await db.execute("""
                CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN NEW.updated_at := now(); RETURN NEW; END $$
                """)
            try await db.execute("CREATE TRIGGER br_touch BEFORE UPDATE ON basin_relationships FOR EACH ROW EXECUTE FUNCTION touch()")
            try await db.execute("CREATE TABLE audit_log (id int REFERENCES god_vocabulary_profiles (id))")
            try await db.execute("CREATE RULE no_delete AS ON DELETE TO god_vocabulary_profiles DO INSTEAD NOTHING")
            let findings = try await DependencyScan(database: db).run()
            let kinds = Set(findings.map(\.kind))
            XCTAssertEqual(kinds, ["view", "materialized view", "function", "trigger", "foreign key", "rule"], "\(findings)")
            XCTAssertTrue(findings.contains { $0.kind == "function" && $0.name.hasPrefix("learn(") && $0.table == "basin_relationships" })
            XCTAssertFalse(findings.contains { $0.name.hasPrefix("touch(") }, "touch() does not name a legacy table")
            XCTAssertNotNil(DependencyScan.warning(findings))
        }
    }

    /// PostgreSQL folds unquoted names to lower case, so a body may spell the table any way; and a
    /// SQL-standard body (BEGIN ATOMIC, PG14+) keeps no text to search, only its dependencies.
    func testScanFindsFunctionsWhateverTheSpellingAndSQLStandardBodies() async throws {
        try await TestDatabase.with { db in
            for statement in LegacySchema.statements { try await db.execute(statement) }
            try await db.execute("""
                CREATE FUNCTION learn_mixed(w text, n text) RETURNS void LANGUAGE plpgsql AS $$
                BEGIN INSERT INTO Basin_Relationships (word, neighbor) VALUES (w, n); END $$
                """)
            try await db.execute("""
                CREATE FUNCTION learn_quoted(w text, n text) RETURNS void LANGUAGE plpgsql AS $$
                BEGIN INSERT INTO "basin_relationships" (word, neighbor) VALUES (w, n); END $$
                """)
            try await db.execute("""
                CREATE FUNCTION learn_schema(w text, n text) RETURNS void LANGUAGE plpgsql AS $$
                BEGIN DELETE FROM public.BASIN_RELATIONSHIPS WHERE word = w AND neighbor = n; END $$
                """)
            try await db.execute("""
                CREATE FUNCTION profile_count() RETURNS bigint LANGUAGE sql
                BEGIN ATOMIC SELECT count(*) FROM God_Vocabulary_Profiles; END
                """)
            try await db.execute("""
                CREATE PROCEDURE forget(w text) LANGUAGE sql
                BEGIN ATOMIC DELETE FROM basin_relationships WHERE word = w; END
                """)
            try await db.execute("CREATE FUNCTION word_count() RETURNS bigint LANGUAGE sql RETURN (SELECT count(*) FROM coordizer_vocabulary)")
            let findings = try await DependencyScan(database: db).run()
            let found = Set(findings.map { "\($0.kind) \($0.name.prefix { $0 != "(" }) \($0.table)" })
            XCTAssertEqual(found, [
                "function learn_mixed basin_relationships",
                "function learn_quoted basin_relationships",
                "function learn_schema basin_relationships",
                "function profile_count god_vocabulary_profiles",
                "procedure forget basin_relationships",
            ], "\(findings)")
        }
    }
}
