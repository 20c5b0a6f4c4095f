import Logging
import PostgresNIO

/// Creates the legacy schema and streams the demo rows in with COPY FROM STDIN.
public struct DemoDataLoader: Sendable {
    public struct Summary: Sendable, Equatable {
        public var tokens: Int
        public var godProfiles: Int
        public var relationships: Int
    }

    public let database: Database

    public init(database: Database) { self.database = database }

    /// Loads into an empty database. With `replace`, existing legacy tables (and anything depending on
    /// them) are dropped first; without it, existing tables are an error so no data is ever overwritten.
    public func load(_ rows: DemoDataGenerator.Rows, replace: Bool) async throws -> Summary {
        for table in LegacySchema.tableNames {
            guard try await database.tableExists(table) else { continue }
            guard replace else {
                throw MigratorError(
                    sqlState: "42P07", message: "table \(table) already exists",
                    hint: "demo-data fills an empty database; pass --replace to drop the legacy tables first")
            }
            try await database.execute("DROP TABLE \(table) CASCADE")
        }
        for statement in LegacySchema.statements { try await database.execute(statement) }

        try await copy(table: "coordizer_vocabulary",
                       columns: ["token", "token_id", "frequency", "token_role", "qfi_score", "basin_embedding",
                                 "source_type", "created_at", "updated_at"],
                       rows: rows.tokens) { out, row in
            out.text(row.token); out.int(row.tokenID); out.int(row.frequency); out.text(row.tokenRole)
            out.double(row.qfiScore); out.floatArray(row.basinEmbedding); out.text(row.sourceType)
            out.raw(row.createdAt.text); out.raw(row.updatedAt.text)
        }
        try await copy(table: "god_vocabulary_profiles",
                       columns: ["god_name", "word", "relevance_score", "usage_count", "last_used",
                                 "learned_from_phi", "basin_distance"],
                       rows: rows.godProfiles) { out, row in
            out.text(row.godName); out.text(row.word); out.float(row.relevanceScore); out.int(row.usageCount)
            out.raw(row.lastUsed.text); out.float(row.learnedFromPhi); out.float(row.basinDistance)
        }
        try await copy(table: "basin_relationships",
                       columns: ["word", "neighbor", "cooccurrence_count", "strength", "avg_phi", "max_phi",
                                 "fisher_distance", "contexts", "updated_at"],
                       rows: rows.relationships) { out, row in
            out.text(row.word); out.text(row.neighbor); out.float(row.cooccurrenceCount); out.float(row.strength)
            out.float(row.avgPhi); out.float(row.maxPhi); out.float(row.fisherDistance)
            out.textArray(row.contexts); out.raw(row.updatedAt.text)
        }
        for table in LegacySchema.tableNames { try await database.execute("ANALYZE \(table)") }
        return Summary(tokens: rows.tokens.count, godProfiles: rows.godProfiles.count,
                       relationships: rows.relationships.count)
    }

    private func copy<Row: Sendable>(
        table: String, columns: [String], rows: [Row], render: (inout CopyText, Row) -> Void
    ) async throws {
        let chunkBytes = 1 << 20
        do {
            try await database.connection.copyFrom(table: table, columns: columns, logger: database.logger) {
                writer in
                var out = CopyText()
                out.reserve(chunkBytes + 64 * 1024)
                for row in rows {
                    render(&out, row)
                    out.endRow()
                    if out.bytes.count >= chunkBytes {
                        try await writer.write(ByteBuffer(bytes: out.bytes))
                        out.removeAll()
                    }
                }
                if !out.bytes.isEmpty { try await writer.write(ByteBuffer(bytes: out.bytes)) }
            }
        } catch {
            throw MigratorError(error, context: "COPY into \(table)")
        }
    }
}
