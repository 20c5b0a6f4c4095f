/// Which clients a cutover rule applies to. Every condition that is set must hold; a rule with
/// none matches every client. Names match exactly, or with `*` standing for any run of
/// characters (`nightly_*`).
public struct ClientMatch: Hashable, Sendable {
    public var applicationName: String?
    public var user: String?
    public var database: String?
    public var clientAddress: CIDR?

    public init(applicationName: String? = nil, user: String? = nil, database: String? = nil, clientAddress: CIDR? = nil) {
        self.applicationName = applicationName
        self.user = user
        self.database = database
        self.clientAddress = clientAddress
    }

    public func matches(_ client: ClientIdentity) -> Bool {
        if let applicationName, !Self.glob(applicationName, client.applicationName) { return false }
        if let user, !Self.glob(user, client.user) { return false }
        if let database, !Self.glob(database, client.database) { return false }
        if let clientAddress {
            guard let address = client.address, clientAddress.contains(address) else { return false }
        }
        return true
    }

    /// `*` matches any run of characters; everything else matches itself.
    static func glob(_ pattern: String, _ text: String) -> Bool {
        let pattern = Array(pattern.unicodeScalars), text = Array(text.unicodeScalars)
        var p = 0, t = 0, star = -1, resume = 0
        while t < text.count {
            if p < pattern.count, pattern[p] != "*", pattern[p] == text[t] {
                p += 1
                t += 1
            } else if p < pattern.count, pattern[p] == "*" {
                star = p
                resume = t
                p += 1
            } else if star >= 0 {
                p = star + 1
                resume += 1
                t = resume
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}
