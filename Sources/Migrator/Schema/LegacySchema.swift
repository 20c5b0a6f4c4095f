/// The legacy schema exactly as production has it before migration 0020 (the external contract).
///
/// One statement per element because postgres-nio sends each through the extended protocol, which
/// takes a single statement. docs/legacy-schema.md quotes these statements verbatim; a test keeps the two
/// in step. Production stores `basin_embedding` as pgvector `vector(64)`; pgvector is not packaged by
/// Debian, so the fixture uses `REAL[]`, and nothing in pgcutover reads that column.
public enum LegacySchema {
    public static let tableNames = ["coordizer_vocabulary", "god_vocabulary_profiles", "basin_relationships"]

    public static let statements: [String] = [
        """
        CREATE TABLE coordizer_vocabulary (
            id SERIAL PRIMARY KEY,
            token TEXT NOT NULL CONSTRAINT tokenizer_vocabulary_token_unique UNIQUE,
            token_id INTEGER, frequency INTEGER DEFAULT 1, token_role TEXT DEFAULT 'encoding',
            qfi_score DOUBLE PRECISION, basin_embedding REAL[], source_type TEXT,
            created_at TIMESTAMP DEFAULT NOW(), updated_at TIMESTAMP DEFAULT NOW())
        """,
        """
        CREATE TABLE god_vocabulary_profiles (
            id SERIAL PRIMARY KEY, god_name TEXT NOT NULL, word TEXT NOT NULL,
            relevance_score REAL NOT NULL, usage_count INTEGER DEFAULT 0, last_used TIMESTAMP DEFAULT NOW(),
            learned_from_phi REAL, basin_distance REAL, UNIQUE (god_name, word))
        """,
        """
        CREATE TABLE basin_relationships (
            id SERIAL PRIMARY KEY, word TEXT NOT NULL, neighbor TEXT NOT NULL,
            cooccurrence_count REAL DEFAULT 1, strength REAL, avg_phi REAL, max_phi REAL,
            fisher_distance REAL, contexts TEXT[], updated_at TIMESTAMP DEFAULT NOW(),
            UNIQUE (word, neighbor))
        """,
    ]
}
