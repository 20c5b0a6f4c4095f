import ArgumentParser

@main
struct PgCutover: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pgcutover",
        abstract: "A PostgreSQL wire-protocol proxy that moves legacy callers onto a consolidated schema.",
        subcommands: [
            ServeCommand.self,
            MigrateCommand.self,
            DemoDataCommand.self,
            AuditCommand.self,
        ]
    )
}
