// JSONObject lives here with JSON: split across files the recursive layout trips the compiler
// ("circular reference", Swift 6.3).

/// libpg_query's JSON parse tree as a small value type. Foundation's JSONSerialization made the
/// parse tree cost more than the parse itself; this reader does only what that output needs.
enum JSON {
    case object(JSONObject)
    case array([JSON])
    case string(String)
    case int(Int)
    case bool(Bool)
    case null

    var object: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    var array: [JSON]? {
        if case .array(let value) = self { return value }
        return nil
    }

    var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    var int: Int? {
        if case .int(let value) = self { return value }
        return nil
    }

    var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }
}

/// An object's members in text order; objects in parse trees are small, so lookup is a scan.
struct JSONObject {
    var members: [(key: String, value: JSON)] = []

    subscript(key: String) -> JSON? {
        for member in members where member.key == key { return member.value }
        return nil
    }

    var count: Int { members.count }
}

extension JSONObject: Sequence {
    func makeIterator() -> IndexingIterator<[(key: String, value: JSON)]> { members.makeIterator() }
}
