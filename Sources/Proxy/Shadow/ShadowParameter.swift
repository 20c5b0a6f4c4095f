import NIOCore
import PostgresNIO

/// One of the client's Bind parameters, sent again byte for byte: its value as the client
/// encoded it, in the client's format, with the type the client's Parse named (0 lets the
/// server infer it, as it did for the client).
struct ShadowParameter: PostgresDynamicTypeEncodable {
    let bytes: ByteBuffer
    let psqlType: PostgresDataType
    let psqlFormat: PostgresFormat

    func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        var bytes = self.bytes
        byteBuffer.writeBuffer(&bytes)
    }
}

extension ShadowInput {
    /// The client's parameters as postgres-nio bindings for the comparison statement, which
    /// keeps their `$n` numbers.
    var bindings: PostgresBindings {
        var bindings = PostgresBindings(capacity: parameters.count)
        for (index, value) in parameters.enumerated() {
            let type = PostgresDataType(index < parameterTypes.count ? parameterTypes[index] : 0)
            guard let value else {
                // A NULL keeps its declared type; its format does not matter.
                bindings.append(PostgresData(type: type, value: nil))
                continue
            }
            let format: PostgresFormat = index < parameterFormats.count && parameterFormats[index] == 1 ? .binary : .text
            bindings.append(ShadowParameter(bytes: value, psqlType: type, psqlFormat: format))
        }
        return bindings
    }
}
