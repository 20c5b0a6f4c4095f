/// The server starts COPY TO STDOUT; CopyData messages follow, then CopyDone.
public struct CopyOutResponse: CopyResponse {
    public static var messageID: UInt8? { BackendMessageID.copyOutResponse.rawValue }

    public var overallFormat: FormatCode
    public var columnFormats: [FormatCode]

    public init(overallFormat: FormatCode, columnFormats: [FormatCode]) {
        self.overallFormat = overallFormat
        self.columnFormats = columnFormats
    }
}
