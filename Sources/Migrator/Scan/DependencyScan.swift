import PostgresNIO

/// Finds what a wire-level proxy can never see: objects inside the database that read or write the
/// legacy tables (a PL/pgSQL function that writes `basin_relationships` keeps doing so whatever the
/// proxy rewrites).
public struct DependencyScan: Sendable {
    public struct Finding: Sendable, Equatable, CustomStringConvertible {
        public var kind: String
        public var name: String
        public var table: String
        public var description: String { "\(kind) \(name) references \(table)" }
    }

    public static let legacyTables = ["god_vocabulary_profiles", "basin_relationships"]
    let database: Database

    public init(database: Database) { self.database = database }

    static let sql = """
        WITH legacy AS (
            SELECT c.oid, c.relname::text AS relname FROM pg_class c
            WHERE c.oid IN (to_regclass('god_vocabulary_profiles'), to_regclass('basin_relationships'))
        ), found AS (
            -- views and materialized views: their _RETURN rule depends on the table
            SELECT CASE v.relkind WHEN 'm' THEN 'materialized view' ELSE 'view' END AS kind,
                   v.oid::regclass::text AS name, l.relname AS table_name
            FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid JOIN pg_class v ON v.oid = r.ev_class
            JOIN legacy l ON l.oid = d.refobjid
            WHERE d.classid = 'pg_rewrite'::regclass AND v.relkind IN ('v', 'm')
            UNION
            -- rules: on a legacy table, or on another table with an action that touches one
            SELECT 'rule', r.rulename || ' on ' || r.ev_class::regclass::text, l.relname
            FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class
            JOIN legacy l ON l.oid = r.ev_class
                OR l.oid IN (SELECT refobjid FROM pg_depend d WHERE d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid)
            WHERE r.rulename <> '_RETURN' AND c.relkind NOT IN ('v', 'm')
            UNION
            SELECT 'trigger', t.tgname || ' on ' || l.relname || ' (function ' || t.tgfoid::regproc::text || ')', l.relname
            FROM pg_trigger t JOIN legacy l ON l.oid = t.tgrelid
            -- pgcutover's own dual-write triggers (migration 0030) keep both sides in step by design
            WHERE NOT t.tgisinternal AND t.tgname NOT LIKE 'pgcutover\\_%'
            UNION
            -- functions and procedures that reference a legacy table. A body kept as text (PL/pgSQL, a
            -- quoted SQL body) is an opaque string to the server: it is searched case-insensitively, since
            -- Basin_Relationships, "basin_relationships" and public.BASIN_RELATIONSHIPS all name the table
            -- (the legacy names are lower case). A SQL-standard body (BEGIN ATOMIC / RETURN, PG14+) is
            -- parsed at creation: its text is gone from prosrc, its tables are in pg_depend.
            SELECT CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END, p.oid::regprocedure::text, l.relname
            FROM pg_proc p JOIN legacy l
              ON CASE WHEN p.prosqlbody IS NULL THEN position(l.relname IN lower(p.prosrc)) > 0
                      ELSE EXISTS (SELECT 1 FROM pg_depend d
                                   WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                                     AND d.refclassid = 'pg_class'::regclass AND d.refobjid = l.oid) END
            WHERE p.pronamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
              AND p.proname NOT LIKE 'pgcutover\\_%'
            UNION
            SELECT 'foreign key', c.conname || ' on ' || c.conrelid::regclass::text
                   || ' -> ' || c.confrelid::regclass::text, l.relname
            FROM pg_constraint c JOIN legacy l ON l.oid IN (c.conrelid, c.confrelid)
            WHERE c.contype = 'f'
        )
        SELECT kind, name, table_name FROM found ORDER BY kind, name, table_name
        """

    public func run() async throws -> [Finding] {
        var findings: [Finding] = []
        for try await (kind, name, table) in try await database.query(PostgresQuery(unsafeSQL: Self.sql))
            .decode((String, String, String).self)
        {
            findings.append(Finding(kind: kind, name: name, table: table))
        }
        return findings
    }

    public static func warning(_ findings: [Finding]) -> String? {
        guard !findings.isEmpty else { return nil }
        return (["WARNING: \(findings.count) object(s) inside the database reference the legacy tables; "
                    + "the proxy cannot see or rewrite what they do:"]
                + findings.map { "  \($0)" }
                + ["  Writes they make reach only the legacy tables; port them before turning off legacy writes."])
            .joined(separator: "\n")
    }
}
