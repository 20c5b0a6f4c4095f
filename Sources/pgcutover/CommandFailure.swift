import ArgumentParser
import Migrator

/// Prints a migrator error the way psql prints a server error, then exits non-zero.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ error: any Error) {
        description = (error as? MigratorError)?.description ?? MigratorError(error, context: "failed").description
    }
}
