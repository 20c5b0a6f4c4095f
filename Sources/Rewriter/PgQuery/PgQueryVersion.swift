import CPgQuery

/// The version of Postgres's grammar that libpg_query embeds; the rewriter relies on its parse tree.
public enum PgQueryVersion {
    public static var postgresVersionNumber: Int { Int(PG_VERSION_NUM) }
}
