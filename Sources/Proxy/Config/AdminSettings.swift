import Foundation

/// `[admin]`: the console a client reaches by connecting to the proxy's own port with database
/// `pgcutover` (docs/admin.md). Without this section no database name is special, so a real
/// database called `pgcutover` is relayed like any other.
public struct AdminSettings: Hashable, Sendable {
    /// The database name that opens the console instead of a relayed session.
    public static let databaseName = "pgcutover"

    public var users: [String]
    /// The one password of every admin user, read from `password` or the first line of
    /// `password_file` when the configuration is loaded (so a reload picks up a new file).
    public var password: String
    /// Who may open the console; loopback only unless widened.
    public var allowedAddresses: [CIDR]

    public static let defaultAllowedAddresses = [CIDR("127.0.0.1/32")!, CIDR("::1/128")!]

    public init(users: [String], password: String, allowedAddresses: [CIDR] = Self.defaultAllowedAddresses) {
        self.users = users
        self.password = password
        self.allowedAddresses = allowedAddresses
    }

    /// Whether a client at `address` may open the console. The proxy listens on TCP only, so a
    /// client whose address is unknown is refused rather than taken for a local one.
    public func allows(_ address: IPAddress?) -> Bool {
        guard let address else { return false }
        return allowedAddresses.contains { $0.contains(address) }
    }

    /// Reads the `[admin]` table; `file` is the config file, for error messages and for
    /// resolving a relative `password_file` the way a relative mapping path is (the working
    /// directory).
    static func read(_ admin: inout TableReader) throws(ConfigurationError) -> AdminSettings {
        guard let users = try admin.stringList("users"), !users.isEmpty else {
            throw admin.error("users", "must list at least one admin user name")
        }
        let inline = try admin.string("password")
        let file = try admin.string("password_file")
        let password: String
        switch (inline, file) {
        case (let inline?, nil):
            password = inline
        case (nil, let file?):
            do {
                let text = try String(contentsOfFile: file, encoding: .utf8)
                password = String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
            } catch {
                throw admin.error("password_file", "cannot read \(file): \(error.localizedDescription)")
            }
        case (nil, nil):
            throw admin.error("password", "is required (or password_file)")
        case (_?, _?):
            throw admin.error("password_file", "cannot be set together with password")
        }
        guard !password.isEmpty else { throw admin.error(file == nil ? "password" : "password_file", "must not be empty") }
        var settings = AdminSettings(users: users, password: password)
        if let texts = try admin.stringList("allowed_addresses") {
            settings.allowedAddresses = try texts.map { text throws(ConfigurationError) in
                guard let cidr = CIDR(text) else {
                    throw admin.error("allowed_addresses", "\"\(text)\" is not an address or CIDR block")
                }
                return cidr
            }
        }
        try admin.finish()
        return settings
    }
}
