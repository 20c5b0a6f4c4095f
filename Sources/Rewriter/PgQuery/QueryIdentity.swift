import CPgQuery

/// Fingerprint and normalized text of a statement, for the audit log: statements that differ only
/// in constants share a fingerprint, and the normalized text shows them with `$n` placeholders.
public enum QueryIdentity {
    /// libpg_query's fingerprint as 16 hex digits, or nil when the text does not parse.
    public static func fingerprint(_ sql: String) -> String? {
        let result = pg_query_fingerprint(sql)
        defer { pg_query_free_fingerprint_result(result) }
        guard result.error == nil, let hex = result.fingerprint_str else { return nil }
        return String(cString: hex)
    }

    /// The text with every constant replaced by a `$n` placeholder, or nil when it does not parse.
    public static func normalize(_ sql: String) -> String? {
        let result = pg_query_normalize(sql)
        defer { pg_query_free_normalize_result(result) }
        guard result.error == nil, let text = result.normalized_query else { return nil }
        return String(cString: text)
    }
}
