import Foundation

extension ShadowSettings {
    /// Reads the keys of `[cutover.shadow]`; `base` supplies what the section leaves out.
    static func read(from section: inout TableReader, base: ShadowSettings?) throws(ConfigurationError) -> ShadowSettings {
        let user = try section.string("user") ?? base?.user
        guard let user, !user.isEmpty else { throw section.error("user", "is required in [cutover.shadow]") }
        var settings = ShadowSettings(user: user, password: base?.password)
        if let base {
            settings.maximumConcurrent = base.maximumConcurrent
            settings.queueCapacity = base.queueCapacity
            settings.statementTimeoutMilliseconds = base.statementTimeoutMilliseconds
        }
        let password = try section.string("password")
        let passwordFile = try section.string("password_file")
        switch (password, passwordFile) {
        case (.some, .some):
            throw section.error("password_file", "set password or password_file, not both")
        case (.some(let password), nil):
            settings.password = password
        case (nil, .some(let path)):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw section.error("password_file", "cannot read \(path)")
            }
            // A file made with `echo` ends in a newline that is not part of the password.
            let text = String(decoding: data, as: UTF8.self)
            settings.password = String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
        case (nil, nil):
            break
        }
        if let value = try section.int("max_concurrent", range: 1...1024) { settings.maximumConcurrent = value }
        if let value = try section.int("queue_capacity", range: 1...10_000_000) { settings.queueCapacity = value }
        if let value = try section.int("statement_timeout_ms", range: 1...86_400_000) {
            settings.statementTimeoutMilliseconds = value
        }
        try section.finish()
        return settings
    }
}
