/// The server is ready for COPY FROM STDIN data; the client sends CopyData, then CopyDone or CopyFail.
public struct CopyInResponse: CopyResponse {
    public static var messageID: UInt8? { BackendMessageID.copyInResponse.rawValue }

    public var overallFormat: FormatCode
    public var columnFormats: [FormatCode]

    public init(overallFormat: FormatCode, columnFormats: [FormatCode]) {
        self.overallFormat = overallFormat
        self.columnFormats = columnFormats
    }
}
