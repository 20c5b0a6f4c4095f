import CPgQuery

/// One lexical token of the query text, from libpg_query's scanner (Postgres's own lexer).
/// The rewriter needs token ends because the parse tree records only where a node starts.
struct ScannedToken: Equatable {
    let start: Int
    /// Exclusive byte offset.
    let end: Int
    /// libpg_query's `Token` enum: single-character tokens are their ASCII code.
    let kind: Int

    static let openParen = 40  // (
    static let closeParen = 41  // )
    static let star = 42  // *
    static let dot = 46  // .
    static let openBracket = 91  // [
    static let closeBracket = 93  // ]
    static let sqlComment = 275
    static let cComment = 276

    var isComment: Bool { kind == Self.sqlComment || kind == Self.cComment }

    /// The tokens of `sql` without comments, in text order.
    static func scan(_ sql: String) -> [ScannedToken] {
        let result = pg_query_scan(sql)
        defer { pg_query_free_scan_result(result) }
        guard result.error == nil, let data = result.pbuf.data else { return [] }
        let bytes = UnsafeRawBufferPointer(start: data, count: Int(result.pbuf.len))
        var reader = ProtobufReader(bytes: bytes)
        var tokens: [ScannedToken] = []
        // ScanResult { int32 version = 1; repeated ScanToken tokens = 2; }
        while let (field, wireType) = reader.readKey() {
            if field == 2, wireType == 2, let body = reader.readLengthDelimited() {
                if let token = decodeToken(body), !token.isComment { tokens.append(token) }
            } else if !reader.skip(wireType: wireType) {
                break
            }
        }
        return tokens
    }

    // ScanToken { int32 start = 1; int32 end = 2; Token token = 4; KeywordKind keyword_kind = 5; }
    private static func decodeToken(_ bytes: UnsafeRawBufferPointer) -> ScannedToken? {
        var reader = ProtobufReader(bytes: bytes)
        var start = 0, end = 0, kind = 0
        while let (field, wireType) = reader.readKey() {
            guard wireType == 0, let value = reader.readVarint() else {
                if !reader.skip(wireType: wireType) { return nil }
                continue
            }
            switch field {
            case 1: start = Int(value)
            case 2: end = Int(value)
            case 4: kind = Int(value)
            default: break
            }
        }
        return ScannedToken(start: start, end: end, kind: kind)
    }
}

/// Just enough protobuf wire-format decoding for libpg_query's scan result.
private struct ProtobufReader {
    let bytes: UnsafeRawBufferPointer
    var offset = 0

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    mutating func readVarint() -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count, shift < 64 {
            let byte = bytes[offset]
            offset += 1
            value |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
        return nil
    }

    mutating func readKey() -> (field: Int, wireType: Int)? {
        guard offset < bytes.count, let key = readVarint() else { return nil }
        return (Int(key >> 3), Int(key & 7))
    }

    mutating func readLengthDelimited() -> UnsafeRawBufferPointer? {
        guard let length = readVarint(), offset + Int(length) <= bytes.count else { return nil }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + Int(length)])
        offset += Int(length)
        return slice
    }

    mutating func skip(wireType: Int) -> Bool {
        switch wireType {
        case 0: return readVarint() != nil
        case 1: offset += 8
        case 2: return readLengthDelimited() != nil
        case 5: offset += 4
        default: return false
        }
        return offset <= bytes.count
    }
}
