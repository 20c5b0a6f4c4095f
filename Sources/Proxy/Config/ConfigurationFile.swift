import Foundation
import Logging
import TOMLKit

/// Reads a TOML config file into a `ProxyConfiguration`. Unknown keys are errors, not silently
/// ignored: a misspelt key would otherwise leave a setting at its default without a word.
public enum ConfigurationFile {
    public static func load(path: String, onto base: ProxyConfiguration = .init()) throws(ConfigurationError) -> ProxyConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(file: path, problem: "cannot read the file: \(error.localizedDescription)")
        }
        return try parse(text, file: path, onto: base)
    }

    public static func parse(_ text: String, file: String, onto base: ProxyConfiguration = .init()) throws(ConfigurationError) -> ProxyConfiguration {
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigurationError(file: file, line: error.source.begin.line, problem: error.description)
        } catch {
            throw ConfigurationError(file: file, problem: "\(error)")
        }
        var reader = TableReader(table: root, path: [], file: file, text: text)
        var configuration = base
        try reader.section("server") { server throws(ConfigurationError) in
            if let value = try server.hostPort("listen") { configuration.listen = value }
            if let value = try server.int("threads", range: 1...256) { configuration.threads = value }
            if let value = try server.int("shutdown_timeout_seconds", range: 0...86_400) {
                configuration.shutdownTimeoutSeconds = Int64(value)
            }
            if let value = try server.int("max_message_bytes", range: 1024...0x3fff_ffff) {
                configuration.maximumMessageLength = value
            }
            if let value = try server.int("login_timeout_seconds", range: 0...86_400) {
                configuration.loginTimeoutSeconds = Int64(value)
            }
            if let value = try server.int("client_idle_timeout_seconds", range: 0...31_536_000) {
                configuration.clientIdleTimeoutSeconds = Int64(value)
            }
            if let value = try server.int("max_client_connections", range: 0...1_000_000) {
                configuration.maxClientConnections = value
            }
            configuration.clientKeepalive = try TCPKeepalive.read(&server, default: configuration.clientKeepalive)
            try server.section("tls") { tls throws(ConfigurationError) in
                configuration.tlsCertificatePath = try tls.string("cert") ?? configuration.tlsCertificatePath
                configuration.tlsKeyPath = try tls.string("key") ?? configuration.tlsKeyPath
                if let value = try tls.string("mode") {
                    guard let mode = ClientTLSMode(rawValue: value) else {
                        throw tls.error("mode", "must be one of \(ClientTLSMode.allCases.map(\.rawValue).joined(separator: ", ")), not \"\(value)\"")
                    }
                    configuration.clientTLSMode = mode
                }
                try tls.finish()
            }
            try server.finish()
        }
        try reader.section("upstream") { upstream throws(ConfigurationError) in
            if let value = try upstream.hostPort("address") { configuration.upstream = value }
            if let value = try upstream.string("sslmode") {
                guard let mode = UpstreamSSLMode(rawValue: value) else {
                    throw upstream.error("sslmode", "must be one of \(UpstreamSSLMode.allCases.map(\.rawValue).joined(separator: ", ")), not \"\(value)\"")
                }
                configuration.upstreamSSLMode = mode
            }
            configuration.upstreamSSLRootCertificatePath = try upstream.string("sslrootcert") ?? configuration.upstreamSSLRootCertificatePath
            configuration.upstreamSSLServerName = try upstream.string("sslservername") ?? configuration.upstreamSSLServerName
            if let value = try upstream.int("connect_timeout_seconds", range: 1...3600) {
                configuration.upstreamConnectTimeoutSeconds = Int64(value)
            }
            if let value = try upstream.int("response_timeout_seconds", range: 0...31_536_000) {
                configuration.upstreamResponseTimeoutSeconds = Int64(value)
            }
            if let value = try upstream.int("tcp_user_timeout_ms", range: 0...2_147_483_647) {
                configuration.upstreamTCPUserTimeoutMilliseconds = value
            }
            configuration.upstreamKeepalive = try TCPKeepalive.read(&upstream, default: configuration.upstreamKeepalive)
            try upstream.finish()
        }
        try reader.section("cutover") { cutover throws(ConfigurationError) in
            try CutoverSection.read(&cutover, into: &configuration)
        }
        try reader.section("audit") { audit throws(ConfigurationError) in
            configuration.auditLog = try audit.string("log") ?? configuration.auditLog
            if let value = try audit.bool("literals") { configuration.auditLiterals = value }
            if let value = try audit.bool("all_statements") { configuration.auditAllStatements = value }
            if let value = try audit.int("queue_capacity", range: 1...10_000_000) {
                configuration.auditQueueCapacity = value
            }
            try audit.finish()
        }
        try reader.section("admin") { admin throws(ConfigurationError) in
            configuration.admin = try AdminSettings.read(&admin)
        }
        try reader.section("metrics") { metrics throws(ConfigurationError) in
            configuration.metrics = try MetricsSettings.read(&metrics)
        }
        try reader.section("log") { log throws(ConfigurationError) in
            if let value = try log.string("level") {
                guard let level = Logger.Level(rawValue: value) else {
                    throw log.error("level", "must be one of trace, debug, info, notice, warning, error, critical")
                }
                configuration.logLevel = level
            }
            try log.finish()
        }
        try reader.finish()
        return configuration
    }
}

/// Walks one TOML table, remembering which keys were read so `finish` can name the unknown ones.
struct TableReader {
    let table: TOMLTable
    let path: [String]
    let file: String
    let text: String
    /// Which `[[path]]` header this table is, for an element of an array of tables.
    var occurrence = 0
    /// The line of every key, for an inline table (`{ … }` on one line).
    var fixedLine: Int?
    private var seen: Set<String> = []

    init(table: TOMLTable, path: [String], file: String, text: String, occurrence: Int = 0, fixedLine: Int? = nil) {
        self.table = table
        self.path = path
        self.file = file
        self.text = text
        self.occurrence = occurrence
        self.fixedLine = fixedLine
    }

    /// A key another part of the program reads: not unknown, not read here.
    mutating func skip(_ key: String) {
        seen.insert(key)
    }

    /// `[[key]]`: every element, in file order.
    mutating func arrayOfTables(_ key: String, _ body: (inout TableReader) throws(ConfigurationError) -> Void) throws(ConfigurationError) {
        seen.insert(key)
        guard let value = table[key] else { return }
        guard let array = value.array else { throw error(key, "must be an array of tables ([[\((path + [key]).joined(separator: "."))]])") }
        for (index, element) in array.enumerated() {
            guard let sub = element.table else { throw error(key, "must be an array of tables ([[\((path + [key]).joined(separator: "."))]])") }
            var reader = TableReader(table: sub, path: path + [key], file: file, text: text, occurrence: index)
            try body(&reader)
        }
    }

    /// A table whose keys are names the file chooses (`[cutover.tables.NAME]`, `tables = { NAME = … }`).
    mutating func namedEntries(_ key: String, _ body: (String, any TOMLValueConvertible, inout TableReader) throws(ConfigurationError) -> Void) throws(ConfigurationError) {
        seen.insert(key)
        guard let value = table[key] else { return }
        guard let sub = value.table else { throw error(key, "must be a table") }
        var reader = TableReader(
            table: sub, path: path + [key], file: file, text: text,
            fixedLine: fixedLine ?? (sub.inline ? line(of: key) : nil))
        for name in sub.keys.sorted() {
            reader.seen.insert(name)
            try body(name, sub[name]!, &reader)
        }
    }

    /// The reader of a sub-table reached through `namedEntries`.
    func entry(_ name: String, _ value: any TOMLValueConvertible) throws(ConfigurationError) -> TableReader {
        guard let sub = value.table else { throw error(name, "must be a table") }
        return TableReader(
            table: sub, path: path + [name], file: file, text: text,
            fixedLine: fixedLine ?? (sub.inline ? line(of: name) : nil))
    }

    mutating func section(_ key: String, _ body: (inout TableReader) throws(ConfigurationError) -> Void) throws(ConfigurationError) {
        seen.insert(key)
        guard let value = table[key] else { return }
        guard let sub = value.table else { throw error(key, "must be a table ([\((path + [key]).joined(separator: "."))])") }
        var reader = TableReader(table: sub, path: path + [key], file: file, text: text)
        try body(&reader)
    }

    mutating func string(_ key: String) throws(ConfigurationError) -> String? {
        seen.insert(key)
        guard let value = table[key] else { return nil }
        guard let string = value.string else { throw error(key, "must be a string") }
        return string
    }

    mutating func bool(_ key: String) throws(ConfigurationError) -> Bool? {
        seen.insert(key)
        guard let value = table[key] else { return nil }
        guard let bool = value.bool else { throw error(key, "must be true or false") }
        return bool
    }

    /// An array of strings, such as `users = ["a", "b"]`.
    mutating func stringList(_ key: String) throws(ConfigurationError) -> [String]? {
        seen.insert(key)
        guard let value = table[key] else { return nil }
        guard let array = value.array else { throw error(key, "must be an array of strings") }
        var strings: [String] = []
        for element in array {
            guard let string = element.string else { throw error(key, "must be an array of strings") }
            strings.append(string)
        }
        return strings
    }

    mutating func int(_ key: String, range: ClosedRange<Int>) throws(ConfigurationError) -> Int? {
        seen.insert(key)
        guard let value = table[key] else { return nil }
        guard let int = value.int else { throw error(key, "must be an integer") }
        guard range.contains(int) else { throw error(key, "must be between \(range.lowerBound) and \(range.upperBound), not \(int)") }
        return int
    }

    mutating func hostPort(_ key: String) throws(ConfigurationError) -> HostPort? {
        guard let text = try string(key) else { return nil }
        guard let value = HostPort(text) else { throw error(key, "must be \"HOST:PORT\", not \"\(text)\"") }
        return value
    }

    func finish() throws(ConfigurationError) {
        for key in table.keys where !seen.contains(key) {
            throw error(key, "unknown key")
        }
    }

    func error(_ key: String, _ problem: String) -> ConfigurationError {
        let dotted = (path + [key]).joined(separator: ".")
        return ConfigurationError(file: file, line: line(of: key), key: dotted, problem: problem)
    }

    /// The line where `key` is set inside this table's section. TOMLKit keeps no source positions
    /// for values, so the text is searched: section headers and `key =` at the start of a line.
    private func line(of key: String) -> Int? {
        if let fixedLine { return fixedLine }
        var section: [String] = []
        var headers = -1
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[") {
                let name = line.trimmingCharacters(in: CharacterSet(charactersIn: "[] "))
                section = name.split(separator: ".").map { String($0).trimmingCharacters(in: .whitespaces) }
                if section == path { headers += 1 }
                if section == path + [key] { return index + 1 }
                continue
            }
            guard section == path, path.isEmpty || headers == occurrence, line.hasPrefix(key) else { continue }
            let rest = line.dropFirst(key.count).drop(while: { $0 == " " || $0 == "\t" })
            if rest.hasPrefix("=") { return index + 1 }
        }
        return nil
    }
}
