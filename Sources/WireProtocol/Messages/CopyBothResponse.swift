/// The start of a bidirectional copy (streaming replication): both sides send CopyData.
public struct CopyBothResponse: CopyResponse {
    public static var messageID: UInt8? { BackendMessageID.copyBothResponse.rawValue }

    public var overallFormat: FormatCode
    public var columnFormats: [FormatCode]

    public init(overallFormat: FormatCode, columnFormats: [FormatCode]) {
        self.overallFormat = overallFormat
        self.columnFormats = columnFormats
    }
}
