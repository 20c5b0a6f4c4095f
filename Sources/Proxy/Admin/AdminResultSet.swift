import NIOCore
import WireProtocol

/// A console answer as rows of text, encoded as a server would send a query result: psql shows
/// it as a table.
public struct AdminResultSet: Sendable, Equatable {
    public var columns: [String]
    public var rows: [[String?]]

    public init(columns: [String], rows: [[String?]] = []) {
        self.columns = columns
        self.rows = rows
    }

    /// RowDescription (all columns text), one DataRow per row, CommandComplete "SHOW".
    public func encode(into buffer: inout ByteBuffer) {
        RowDescription(fields: columns.map { RowDescription.Field(name: $0, dataTypeOID: 25, dataTypeSize: -1) })
            .encodeFrame(into: &buffer)
        for row in rows {
            DataRow(columns: row.map { $0.map { ByteBuffer(string: $0) } }).encodeFrame(into: &buffer)
        }
        CommandComplete(tag: "SHOW").encodeFrame(into: &buffer)
    }

    /// The rows of one column, by name; for tests and for callers that look one value up.
    public func column(_ name: String) -> [String?] {
        guard let index = columns.firstIndex(of: name) else { return [] }
        return rows.map { $0[index] }
    }
}
