import Migrator
import PostgresNIO
import XCTest

/// Migration 0030's triggers against a real server: every legacy write a session makes with
/// `pgcutover.sync` naming the table forward lands in the fold exactly as the backfill would have
/// written it, every JSON write with reverse lands in the legacy table under the same id, a failure
/// of either half rolls back both, and nothing happens without the setting.
final class DualWriteTriggerTests: XCTestCase {
    static let forward = "god_vocabulary_profiles=forward,basin_relationships=forward"
    static let reverse = "god_vocabulary_profiles=reverse,basin_relationships=reverse"

    /// Demo data, migrated; `body` gets the migrator's connection (no sync setting) and a client.
    private func withMigrated(sync: String, _ body: (Database, Database) async throws -> Void) async throws {
        let server = try TestDatabase.serverSettings()
        try await TestDatabase.with { db in
            try await TestDatabase.loadDemo(db, scale: 0.01)
            _ = try await TestDatabase.runner(db).up()
            let client = try await Database.connect(server.with(database: db.settings.database))
            do {
                try await client.execute("SET pgcutover.sync = '\(sync)'")
                try await body(db, client)
            } catch {
                await client.close()
                throw error
            }
            await client.close()
        }
    }

    private func connect(_ db: Database, sync: String) async throws -> Database {
        let client = try await Database.connect(try TestDatabase.serverSettings().with(database: db.settings.database))
        try await client.execute("SET pgcutover.sync = '\(sync)'")
        return client
    }

    /// The fold holds exactly the legacy tables: `migrate verify` is clean, and a full recompute by the
    /// backfill (`up --repair`) finds not one byte to change (same keys, value text, element order,
    /// NULL for no rows) and no token row to create.
    private func assertInStep(_ db: Database, _ step: String, file: StaticString = #filePath, line: UInt = #line) async throws {
        let report = try await Verifier(database: db).run()
        XCTAssertTrue(report.isClean, "after \(step):\n\(report.text)", file: file, line: line)
        let repair = try await TestDatabase.runner(db, BackfillOptions(repair: true)).up()
        XCTAssertEqual(repair?.rowsUpdated, 0, "after \(step): the backfill would write different JSON", file: file, line: line)
        XCTAssertEqual(repair?.catchUpRows, 0, "after \(step): the backfill would write different JSON", file: file, line: line)
        XCTAssertEqual(repair?.tokensCreated, 0, "after \(step): a word was left without a token row", file: file, line: line)
    }

    private func expectError(_ sqlState: String, _ what: String, file: StaticString = #filePath, line: UInt = #line,
                             _ body: () async throws -> Void) async {
        do {
            try await body()
            XCTFail("\(what) succeeded; expected SQLSTATE \(sqlState)", file: file, line: line)
        } catch {
            let state = (error as? PSQLError)?.serverInfo?[.sqlState]
            XCTAssertEqual(state, sqlState, "\(what): \(String(reflecting: error))", file: file, line: line)
        }
    }

    private func word(_ db: Database, _ offset: Int) async throws -> String {
        try await TestDatabase.string(db, "SELECT token FROM coordizer_vocabulary WHERE active ORDER BY id OFFSET \(offset) LIMIT 1")
    }

    private func legacyChecksum(_ db: Database) async throws -> String {
        try await TestDatabase.string(db, """
            SELECT md5((SELECT coalesce(string_agg(g::text, ',' ORDER BY id), '') FROM god_vocabulary_profiles g)
                       || (SELECT coalesce(string_agg(r::text, ',' ORDER BY id), '') FROM basin_relationships r))
            """)
    }

    func testForwardSyncWritesWhatTheBackfillWould() async throws {
        try await withMigrated(sync: Self.forward) { db, client in
            let w1 = try await word(db, 1), w2 = try await word(db, 2), w3 = try await word(db, 3)
            try await assertInStep(db, "migrate up")

            try await client.execute("INSERT INTO god_vocabulary_profiles (god_name, word, relevance_score) VALUES ('trig_a', '\(w1)', 0.25)")
            try await assertInStep(db, "single INSERT")
            try await client.execute("""
                INSERT INTO god_vocabulary_profiles (id, god_name, word, relevance_score, usage_count, last_used, learned_from_phi, basin_distance)
                VALUES (DEFAULT, 'trig_a', '\(w2)', 0.5, 3, '2026-01-02 03:04:05.678901', 0.1, NULL),
                       (DEFAULT, 'trig_b', '\(w2)', 1e-7, NULL, NULL, 'NaN', 3.4e38),
                       (DEFAULT, 'trig_a', 'trig word ''quoted'' ü', 0.75, DEFAULT, DEFAULT, NULL, NULL)
                """)
            try await assertInStep(db, "multi-row INSERT with a new word")
            let created = try await TestDatabase.string(db, """
                SELECT active::text || ' ' || source_type FROM coordizer_vocabulary WHERE token = 'trig word ''quoted'' ü'
                """)
            XCTAssertEqual(created, "false pgcutover:legacy-only")
            try await client.execute("""
                INSERT INTO basin_relationships (word, neighbor, strength, contexts)
                VALUES ('\(w1)', 'trig_n1', 0.5, ARRAY['a', NULL, 'c"d']), ('\(w1)', 'aaa_first', NULL, '{}'),
                       ('trig_only_rel', 'trig_n2', DEFAULT, NULL)
                """)
            try await assertInStep(db, "relationships INSERT")

            try await client.execute("""
                INSERT INTO god_vocabulary_profiles (god_name, word, relevance_score) VALUES ('trig_a', '\(w1)', 0.9), ('trig_c', '\(w1)', 0.1)
                ON CONFLICT (god_name, word) DO UPDATE SET relevance_score = excluded.relevance_score, usage_count = god_vocabulary_profiles.usage_count + 1
                """)
            try await client.execute("""
                INSERT INTO basin_relationships (word, neighbor, cooccurrence_count) VALUES ('\(w1)', 'trig_n1', 5), ('\(w2)', 'trig_n1', 6)
                ON CONFLICT (word, neighbor) DO UPDATE SET cooccurrence_count = basin_relationships.cooccurrence_count + excluded.cooccurrence_count
                """)
            try await assertInStep(db, "INSERT ON CONFLICT DO UPDATE")
            try await client.execute("""
                INSERT INTO basin_relationships (word, neighbor) VALUES ('\(w1)', 'trig_n1'), ('\(w3)', 'trig_n3')
                ON CONFLICT DO NOTHING
                """)
            try await client.execute("""
                INSERT INTO god_vocabulary_profiles (god_name, word, relevance_score) VALUES ('trig_a', '\(w1)', 0.0)
                ON CONFLICT DO NOTHING
                """)
            try await assertInStep(db, "INSERT ON CONFLICT DO NOTHING")

            try await client.execute("UPDATE basin_relationships SET strength = coalesce(strength, 0) + 1, contexts = ARRAY['x'] WHERE word = '\(w2)'")
            try await client.execute("UPDATE god_vocabulary_profiles SET usage_count = usage_count + 1, last_used = now()")
            try await assertInStep(db, "UPDATE of values")
            try await client.execute("UPDATE god_vocabulary_profiles SET word = '\(w3)' WHERE word = '\(w2)'")
            try await client.execute("UPDATE god_vocabulary_profiles SET god_name = 'trig_moved' WHERE god_name = 'trig_c'")
            try await client.execute("UPDATE basin_relationships SET word = 'trig_moved_word' WHERE word = '\(w2)'")
            try await client.execute("UPDATE basin_relationships SET neighbor = neighbor || '_2', word = '\(w2)' WHERE word = '\(w1)'")
            try await client.execute("UPDATE basin_relationships SET id = id + 100000 WHERE neighbor = 'trig_n3'")
            try await assertInStep(db, "UPDATE moving rows across words and keys")

            try await client.execute("DELETE FROM basin_relationships WHERE word = '\(w3)'")
            try await client.execute("DELETE FROM god_vocabulary_profiles WHERE god_name = 'trig_a'")
            try await assertInStep(db, "DELETE")
            let emptied = try await TestDatabase.string(db, "SELECT coalesce(relationships::text, 'NULL') FROM coordizer_vocabulary WHERE token = '\(w3)'")
            XCTAssertEqual(emptied, "NULL", "a word with no rows left holds NULL, as the backfill writes it")

            try await client.connection.copyFrom(table: "god_vocabulary_profiles", columns: ["god_name", "word", "relevance_score"],
                                                 logger: Logger(label: "test")) { writer in
                try await writer.write(ByteBuffer(string: "trig_copy\t\(w1)\t0.5\ntrig_copy\ttrig_copy_word\t0.6\n"))
            }
            try await client.connection.copyFrom(table: "basin_relationships", columns: ["word", "neighbor", "contexts"],
                                                 logger: Logger(label: "test")) { writer in
                try await writer.write(ByteBuffer(string: "\(w1)\ttrig_copy\t{p,q}\ntrig_copy_word\ttrig_copy\t\\N\n"))
            }
            try await assertInStep(db, "COPY FROM")

            try await client.execute("TRUNCATE basin_relationships")
            try await assertInStep(db, "TRUNCATE basin_relationships")
            try await client.execute("TRUNCATE god_vocabulary_profiles RESTART IDENTITY")
            try await assertInStep(db, "TRUNCATE god_vocabulary_profiles")
            let left = try await TestDatabase.int(db, """
                SELECT count(*)::int8 FROM coordizer_vocabulary WHERE god_profile IS NOT NULL OR relationships IS NOT NULL
                """)
            XCTAssertEqual(left, 0)
            try await client.execute("INSERT INTO god_vocabulary_profiles (god_name, word, relevance_score) VALUES ('after', '\(w1)', 1)")
            try await assertInStep(db, "INSERT after TRUNCATE")
        }
    }

    func testFailureOfEitherHalfRollsBackBoth() async throws {
        try await withMigrated(sync: Self.forward) { db, client in
            let w1 = try await word(db, 1)
            let fold = try await TestDatabase.contentChecksum(db)
            let legacy = try await legacyChecksum(db)

            // The legacy half fails: a unique violation after a row that succeeded in the same transaction.
            try await client.execute("BEGIN")
            try await client.execute("INSERT INTO god_vocabulary_profiles (god_name, word, relevance_score) VALUES ('trig_ok', '\(w1)', 1)")
            await expectError("23505", "a duplicate legacy row") {
                try await client.execute("INSERT INTO god_vocabulary_profiles (god_name, word, relevance_score) VALUES ('trig_dup', '\(w1)', 1), ('trig_dup', '\(w1)', 2)")
            }
            try await client.execute("ROLLBACK")
            let fold1 = try await TestDatabase.contentChecksum(db)
            let legacy1 = try await legacyChecksum(db)
            XCTAssertEqual(fold1, fold)
            XCTAssertEqual(legacy1, legacy)

            // The fold half fails (a CHECK the trigger's UPDATE violates): the client's statement fails.
            try await db.execute("""
                ALTER TABLE coordizer_vocabulary ADD CONSTRAINT trig_reject CHECK (NOT coalesce(god_profile ? 'trig_bad', false)
                    AND NOT coalesce(relationships @> '[{"neighbor": "trig_bad"}]', false))
                """)
            await expectError("23514", "a write whose fold update is rejected") {
                try await client.execute("INSERT INTO god_vocabulary_profiles (god_name, word, relevance_score) VALUES ('trig_fine', '\(w1)', 1), ('trig_bad', '\(w1)', 1)")
            }
            await expectError("23514", "a COPY whose fold update is rejected") {
                try await client.connection.copyFrom(table: "basin_relationships", columns: ["word", "neighbor"],
                                                     logger: Logger(label: "test")) { writer in
                    try await writer.write(ByteBuffer(string: "\(w1)\ttrig_fine\n\(w1)\ttrig_bad\n"))
                }
            }
            try await db.execute("ALTER TABLE coordizer_vocabulary DROP CONSTRAINT trig_reject")
            let fold2 = try await TestDatabase.contentChecksum(db)
            let legacy2 = try await legacyChecksum(db)
            XCTAssertEqual(fold2, fold)
            XCTAssertEqual(legacy2, legacy, "the legacy rows of a statement whose fold update failed were rolled back")

            // The fold half times out on a token row another session holds.
            let related = try await TestDatabase.string(db, "SELECT word FROM basin_relationships ORDER BY id LIMIT 1")
            let holder = try await connect(db, sync: "")
            try await holder.execute("BEGIN")
            try await holder.execute("SELECT 1 FROM coordizer_vocabulary WHERE token = '\(related)' FOR UPDATE")
            try await client.execute("SET lock_timeout = '200ms'")
            await expectError("55P03", "a write whose token row is locked") {
                try await client.execute("UPDATE basin_relationships SET strength = 42 WHERE word = '\(related)'")
            }
            try await client.execute("RESET lock_timeout")
            try await holder.execute("ROLLBACK")
            await holder.close()
            let fold3 = try await TestDatabase.contentChecksum(db)
            let legacy3 = try await legacyChecksum(db)
            XCTAssertEqual(fold3, fold)
            XCTAssertEqual(legacy3, legacy)
            try await assertInStep(db, "failed writes")
        }
    }

    func testNothingHappensUnlessTheSettingNamesTableAndDirection() async throws {
        for sync in ["", "god_vocabulary_profiles=reverse,basin_relationships=reverse", "god_vocabulary_profiles=forwardx",
                     "basin_relationships=forward"] {
            try await withMigrated(sync: sync) { db, client in
                let w1 = try await word(db, 1)
                let fold = try await TestDatabase.contentChecksum(db)
                try await client.execute("INSERT INTO god_vocabulary_profiles (god_name, word, relevance_score) VALUES ('trig_off', '\(w1)', 1)")
                try await client.execute("UPDATE god_vocabulary_profiles SET usage_count = 99")
                try await client.execute("DELETE FROM god_vocabulary_profiles WHERE id = (SELECT min(id) FROM god_vocabulary_profiles)")
                try await client.execute("TRUNCATE god_vocabulary_profiles")
                let after = try await TestDatabase.contentChecksum(db)
                XCTAssertEqual(after, fold, "pgcutover.sync = '\(sync)' must not touch the fold for god_vocabulary_profiles")
            }
        }
        // Absent (never set) is the same as empty.
        try await TestDatabase.with { db in
            try await TestDatabase.loadDemo(db, scale: 0.01)
            _ = try await TestDatabase.runner(db).up()
            let fold = try await TestDatabase.contentChecksum(db)
            try await db.execute("DELETE FROM basin_relationships WHERE id % 3 = 0")
            let after = try await TestDatabase.contentChecksum(db)
            XCTAssertEqual(after, fold)
        }
    }

    func testReverseSyncKeepsLegacyTablesComplete() async throws {
        try await withMigrated(sync: Self.reverse) { db, client in
            let w1 = try await word(db, 1), w2 = try await word(db, 2)
            // A token with profile and relationship rows, and the ids it holds.
            let richGod = try await TestDatabase.string(db, "SELECT token FROM coordizer_vocabulary WHERE god_profile IS NOT NULL ORDER BY id LIMIT 1")
            let rich = try await TestDatabase.string(db, """
                SELECT token FROM coordizer_vocabulary WHERE jsonb_array_length(relationships) >= 2 ORDER BY id LIMIT 1
                """)
            let god = try await TestDatabase.string(db, "SELECT min(k) FROM coordizer_vocabulary, jsonb_object_keys(god_profile) k WHERE token = '\(richGod)'")
            let godID = try await TestDatabase.int(db, "SELECT (god_profile->'\(god)'->>'id')::int8 FROM coordizer_vocabulary WHERE token = '\(richGod)'")

            try await client.execute("""
                UPDATE coordizer_vocabulary SET god_profile = jsonb_set(god_profile, '{\(god),relevance_score}', '0.123456789')
                WHERE token = '\(richGod)'
                """)
            let score = try await TestDatabase.string(db, "SELECT relevance_score::text FROM god_vocabulary_profiles WHERE id = \(godID)")
            XCTAssertEqual(score, "0.12345679")
            try await assertReverseInStep(db, "UPDATE of a god_profile value")

            let removedID = try await TestDatabase.int(db, "SELECT (relationships->0->>'id')::int8 FROM coordizer_vocabulary WHERE token = '\(rich)'")
            try await client.execute("UPDATE coordizer_vocabulary SET relationships = relationships - 0 WHERE token = '\(rich)'")
            let removed = try await TestDatabase.int(db, "SELECT count(*)::int8 FROM basin_relationships WHERE id = \(removedID)")
            XCTAssertEqual(removed, 0)
            try await assertReverseInStep(db, "removal of a relationships element")

            // New code writes elements without ids or defaulted keys: the legacy sequence gives the id, to both sides.
            try await client.execute("""
                UPDATE coordizer_vocabulary SET god_profile = coalesce(god_profile, '{}') || '{"trig_new": {"relevance_score": 0.5, "extra": 1}}',
                    relationships = coalesce(relationships, '[]') || '[{"neighbor": "trig_new", "contexts": ["q"], "strength": 0.25}]'
                WHERE token = '\(w1)'
                """)
            let newGod = try await TestDatabase.string(db, """
                SELECT g.id::text || ' ' || g.usage_count FROM god_vocabulary_profiles g JOIN coordizer_vocabulary cv ON cv.token = g.word
                WHERE g.word = '\(w1)' AND g.god_name = 'trig_new' AND (cv.god_profile->'trig_new'->>'id')::int = g.id
                  AND cv.god_profile->'trig_new'->>'extra' = '1'
                """)
            XCTAssertTrue(newGod.hasSuffix(" 0"), "new profile element with the same id on both sides: \(newGod)")
            try await assertReverseInStep(db, "new elements without ids")

            // Key renamed with its id kept, a relationships element changed in place.
            try await client.execute("""
                UPDATE coordizer_vocabulary SET god_profile = (god_profile - 'trig_new') || jsonb_build_object('trig_renamed', god_profile->'trig_new'),
                    relationships = (SELECT jsonb_agg(CASE WHEN e->>'neighbor' = 'trig_new' THEN e || '{"contexts": null, "max_phi": 2}' ELSE e END)
                                     FROM jsonb_array_elements(relationships) e)
                WHERE token = '\(w1)'
                """)
            let renamed = try await TestDatabase.int(db, "SELECT count(*)::int8 FROM god_vocabulary_profiles WHERE word = '\(w1)' AND god_name LIKE 'trig_%'")
            XCTAssertEqual(renamed, 1)
            try await assertReverseInStep(db, "key renamed, element changed")

            // A new token row, a token renamed, a token deleted.
            try await client.execute("""
                INSERT INTO coordizer_vocabulary (token, god_profile, relationships)
                VALUES ('trig_token', '{"ares": {"relevance_score": 1}}', '[{"neighbor": "b", "id": 990001}, {"neighbor": "a"}]')
                """)
            let kept = try await TestDatabase.int(db, "SELECT count(*)::int8 FROM basin_relationships WHERE id = 990001 AND word = 'trig_token'")
            XCTAssertEqual(kept, 1, "an id the writer chose is the legacy row's id")
            try await assertReverseInStep(db, "new token row")
            try await client.execute("UPDATE coordizer_vocabulary SET token = 'trig_token_renamed' WHERE token = 'trig_token'")
            let moved = try await TestDatabase.int(db, """
                SELECT (SELECT count(*) FROM god_vocabulary_profiles WHERE word = 'trig_token_renamed')
                     + (SELECT count(*) FROM basin_relationships WHERE word = 'trig_token_renamed')
                """)
            XCTAssertEqual(moved, 3)
            try await assertReverseInStep(db, "token renamed")
            try await client.execute("DELETE FROM coordizer_vocabulary WHERE token IN ('trig_token_renamed', '\(w2)')")
            let gone = try await TestDatabase.int(db, """
                SELECT (SELECT count(*) FROM god_vocabulary_profiles WHERE word IN ('trig_token_renamed', '\(w2)'))
                     + (SELECT count(*) FROM basin_relationships WHERE word IN ('trig_token_renamed', '\(w2)'))
                """)
            XCTAssertEqual(gone, 0)
            try await assertReverseInStep(db, "token deleted")

            // An element the legacy table cannot hold fails the writer's statement, which changes nothing.
            let fold = try await TestDatabase.contentChecksum(db)
            await expectError("23502", "a profile element without relevance_score") {
                try await client.execute("UPDATE coordizer_vocabulary SET god_profile = '{\"trig_x\": {}}' WHERE token = '\(w1)'")
            }
            await expectError("23505", "one neighbor twice in a token's relationships") {
                try await client.execute("""
                    UPDATE coordizer_vocabulary SET relationships = '[{"neighbor": "d"}, {"neighbor": "d", "id": 990002}]'
                    WHERE token = '\(w1)'
                    """)
            }
            let after = try await TestDatabase.contentChecksum(db)
            XCTAssertEqual(after, fold)

            // Both directions on at once: each change is applied once, never bounced back.
            try await client.execute("SET pgcutover.sync = '\(Self.forward),\(Self.reverse)'")
            try await client.execute("INSERT INTO god_vocabulary_profiles (god_name, word, relevance_score) VALUES ('trig_both', '\(w1)', 1)")
            try await client.execute("UPDATE coordizer_vocabulary SET god_profile = god_profile - 'trig_both' WHERE token = '\(w1)'")
            try await client.execute("DELETE FROM basin_relationships WHERE word = '\(w1)'")
            try await assertReverseInStep(db, "both directions")
        }
    }

    /// Reverse sync changes the fold itself (ids, defaults); verify is the check that both sides agree.
    private func assertReverseInStep(_ db: Database, _ step: String, file: StaticString = #filePath, line: UInt = #line) async throws {
        let report = try await Verifier(database: db).run()
        XCTAssertTrue(report.isClean, "after \(step):\n\(report.text)", file: file, line: line)
        let unordered = try await TestDatabase.int(db, """
            SELECT count(*)::int8 FROM coordizer_vocabulary
            WHERE relationships IS DISTINCT FROM pgcutover_relationships_apply(relationships, NULL, NULL)
            """)
        XCTAssertEqual(unordered, 0, "after \(step): relationships not ordered by id", file: file, line: line)
    }

    func testConcurrentWritersOfTheSameTokenStayConsistent() async throws {
        try await withMigrated(sync: Self.forward) { db, a in
            let w = try await word(db, 5)
            let b = try await connect(db, sync: Self.forward)
            let iterations = 150
            async let first: Void = Self.repeatTimes(iterations) { i in
                try await a.execute("INSERT INTO god_vocabulary_profiles (god_name, word, relevance_score) VALUES ('ca_\(i)', '\(w)', \(i))")
                try await a.execute("INSERT INTO basin_relationships (word, neighbor) VALUES ('\(w)', 'na_\(i)'), ('fresh_\(i)', 'na')")
                if i % 3 == 0 { try await a.execute("DELETE FROM god_vocabulary_profiles WHERE god_name = 'ca_\(i / 2)'") }
                if i % 5 == 0 { try await a.execute("UPDATE basin_relationships SET strength = \(i) WHERE word = '\(w)' AND neighbor LIKE 'na\\_%'") }
            }
            async let second: Void = Self.repeatTimes(iterations) { i in
                try await b.execute("BEGIN")
                try await b.execute("INSERT INTO basin_relationships (word, neighbor) VALUES ('\(w)', 'nb_\(i)'), ('fresh_\(i)', 'nb')")
                try await b.execute("INSERT INTO god_vocabulary_profiles (god_name, word, relevance_score) VALUES ('cb_\(i)', '\(w)', \(i))")
                try await b.execute("UPDATE god_vocabulary_profiles SET usage_count = usage_count + 1 WHERE word = '\(w)' AND god_name LIKE 'cb\\_%'")
                try await b.execute("COMMIT")
                if i % 4 == 0 { try await b.execute("DELETE FROM basin_relationships WHERE word = '\(w)' AND neighbor = 'nb_\(i / 2)'") }
            }
            try await first
            try await second
            try await assertInStep(db, "concurrent forward writers")

            // Reverse: two writers of the same token's JSON, each on its own key.
            try await a.execute("SET pgcutover.sync = '\(Self.reverse)'")
            try await b.execute("SET pgcutover.sync = '\(Self.reverse)'")
            async let third: Void = Self.repeatTimes(iterations) { i in
                try await a.execute("""
                    UPDATE coordizer_vocabulary SET god_profile = coalesce(god_profile, '{}') || '{"ra_\(i)": {"relevance_score": \(i)}}'
                    WHERE token = '\(w)'
                    """)
                if i % 3 == 0 { try await a.execute("UPDATE coordizer_vocabulary SET god_profile = god_profile - 'ra_\(i / 2)' WHERE token = '\(w)'") }
            }
            async let fourth: Void = Self.repeatTimes(iterations) { i in
                try await b.execute("""
                    UPDATE coordizer_vocabulary SET relationships = coalesce(relationships, '[]') || '[{"neighbor": "rb_\(i)"}]'
                    WHERE token = '\(w)'
                    """)
            }
            try await third
            try await fourth
            await b.close()
            try await assertReverseInStep(db, "concurrent reverse writers")
            let count = try await TestDatabase.int(db, "SELECT count(*)::int8 FROM basin_relationships WHERE word = '\(w)' AND neighbor LIKE 'rb_%'")
            XCTAssertEqual(count, iterations)
        }
    }

    /// One `migrate down`: before it, `query` counts `expected` objects; after it, none.
    private func assertDownRemoves(
        _ query: String, _ expected: Int, _ what: String, _ db: Database, line: UInt = #line
    ) async throws {
        let before = try await TestDatabase.int(db, query)
        XCTAssertEqual(before, expected, "\(what) before down", line: line)
        _ = try await TestDatabase.runner(db).down()
        let after = try await TestDatabase.int(db, query)
        XCTAssertEqual(after, 0, "\(what) after down", line: line)
    }

    private static func repeatTimes(_ count: Int, _ body: @Sendable (Int) async throws -> Void) async throws {
        for i in 0..<count { try await body(i) }
    }

    func testDownRemovesTheTriggersAndUpRestoresThem() async throws {
        try await TestDatabase.with { db in
            try await TestDatabase.loadDemo(db, scale: 0.01)
            _ = try await TestDatabase.runner(db).up()
            let objects = """
                SELECT (SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'pgcutover\\_%')
                     + (SELECT count(*) FROM pg_proc WHERE proname LIKE 'pgcutover\\_%' AND proname <> 'pgcutover_check')
                """
            let installed = try await TestDatabase.int(db, objects)
            XCTAssertEqual(installed, 10 + 9)
            let scan = try await DependencyScan(database: db).run()
            XCTAssertEqual(scan, [], "pgcutover's own triggers are not reported as dependencies")

            // Newest first: 0060's insert check views, 0050's assignment tables, 0040's
            // pgcutover_check overload, then the triggers.
            let checkViews = "SELECT count(*)::int8 FROM pg_rewrite WHERE rulename = 'pgcutover_analyse_only'"
            let assignment = "SELECT count(*)::int8 FROM pg_class WHERE relname LIKE 'pgcutover\\_assign\\_%'"
            let overload = "SELECT count(*)::int8 FROM pg_proc WHERE proname = 'pgcutover_check' AND pronargs = 9"
            try await assertDownRemoves(checkViews, 2, "insert check views", db)
            try await assertDownRemoves(assignment, 2, "assignment tables", db)
            try await assertDownRemoves(overload, 1, "pgcutover_check with error fields", db)
            let untouched = try await TestDatabase.int(db, objects)
            XCTAssertEqual(untouched, installed)
            _ = try await TestDatabase.runner(db).down()
            let removed = try await TestDatabase.int(db, objects)
            XCTAssertEqual(removed, 0)
            let status = try await TestDatabase.runner(db).status()
            XCTAssertTrue(status.contains("0030_dual_write_triggers: pending"), status)
            XCTAssertTrue(status.contains("0020_single_table_generation: applied"), status)

            _ = try await TestDatabase.runner(db).up()
            let again = try await TestDatabase.int(db, objects)
            XCTAssertEqual(again, installed)
            let fieldsAgain = try await TestDatabase.int(db, overload)
            XCTAssertEqual(fieldsAgain, 1)
            let assignmentAgain = try await TestDatabase.int(db, assignment)
            XCTAssertEqual(assignmentAgain, 2)
            let insertChecksAgain = try await TestDatabase.int(db, checkViews)
            XCTAssertEqual(insertChecksAgain, 2)
            let client = try await connect(db, sync: Self.forward)
            try await client.execute("DELETE FROM basin_relationships WHERE id % 2 = 0")
            await client.close()
            try await assertInStep(db, "down and up again")

            for _ in 0..<5 { _ = try await TestDatabase.runner(db).down() }
            let ledger = try await TestDatabase.int(db, "SELECT count(*)::int8 FROM pgcutover_schema_migrations")
            XCTAssertEqual(ledger, 0)
        }
    }

    /// The runbook's order: `up --max-batches 0` adds 0020's columns and already 0030's triggers, so
    /// writes dual-written while the backfill has not run (or is half-way) are in the fold, and the
    /// backfill that follows leaves it in step.
    func testTriggersArriveWithTheColumnsBeforeTheBackfill() async throws {
        try await TestDatabase.with { db in
            try await TestDatabase.loadDemo(db, scale: 0.01)
            _ = try await TestDatabase.runner(db, BackfillOptions(maxBatches: 0)).up()
            let status = try await TestDatabase.runner(db).status()
            XCTAssertTrue(status.contains("0030_dual_write_triggers: applied"), status)
            XCTAssertTrue(status.contains("0040_check_error_fields: applied"), status)
            XCTAssertTrue(status.contains("0050_assignment_targets: applied"), status)
            XCTAssertTrue(status.contains("0060_insert_check_views: applied"), status)
            XCTAssertTrue(status.contains("0020_single_table_generation: pending"), status)
            let triggers = try await TestDatabase.int(db, """
                SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'pgcutover\\_%' AND tgname NOT LIKE 'pgcutover\\_backfill\\_log\\_%'
                """)
            XCTAssertEqual(triggers, 10)
            // The backfill's change log comes with the first batch, not before (it would log every write).
            let noLog = try await TestDatabase.int(db, "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'pgcutover\\_backfill\\_log\\_%'")
            XCTAssertEqual(noLog, 0)

            let client = try await connect(db, sync: Self.forward)
            let w1 = try await word(db, 1)
            try await client.execute("INSERT INTO god_vocabulary_profiles (god_name, word, relevance_score) VALUES ('early', '\(w1)', 0.25)")
            try await client.execute("UPDATE basin_relationships SET strength = 0.5 WHERE id % 5 = 0")
            let folded = try await TestDatabase.int(
                db, "SELECT count(*) FROM coordizer_vocabulary WHERE token = '\(w1)' AND god_profile ? 'early'")
            XCTAssertEqual(folded, 1, "a dual-written insert before the backfill is in the fold")

            _ = try await TestDatabase.runner(db, BackfillOptions(batchSize: 50, maxBatches: 1)).up()
            let logTriggers = try await TestDatabase.int(db, "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'pgcutover\\_backfill\\_log\\_%'")
            XCTAssertEqual(logTriggers, 8, "from the first batch until the catch-up, next to 0030's triggers")
            try await client.execute("DELETE FROM god_vocabulary_profiles WHERE god_name = 'early'")
            await client.close()
            _ = try await TestDatabase.runner(db).up()
            let finished = try await TestDatabase.runner(db).status()
            XCTAssertTrue(finished.contains("0020_single_table_generation: applied"), finished)
            try await assertInStep(db, "dual-writes before and during the backfill")
            let left = try await TestDatabase.int(db, """
                SELECT (SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'pgcutover\\_backfill\\_log\\_%')
                     + (SELECT count(*) FROM pg_proc WHERE proname LIKE 'pgcutover\\_backfill\\_log\\_%')
                     + (CASE WHEN to_regclass('pgcutover_backfill_changes') IS NULL THEN 0 ELSE 1 END)
                """)
            XCTAssertEqual(left, 0, "the change log is gone once the backfill is complete")
        }
    }
}
