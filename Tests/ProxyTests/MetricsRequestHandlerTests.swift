import NIOCore
import NIOEmbedded
import NIOHTTP1
@testable import Proxy
import XCTest

final class MetricsRequestHandlerTests: XCTestCase {
    private func respond(_ method: HTTPMethod, _ uri: String) throws -> (HTTPResponseHead, String) {
        let channel = EmbeddedChannel(handler: MetricsRequestHandler(render: { Array("pgcutover_sessions 2\n".utf8) }))
        try channel.writeInbound(HTTPServerRequestPart.head(HTTPRequestHead(version: .http1_1, method: method, uri: uri)))
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
        guard case .head(let head) = try channel.readOutbound(as: HTTPServerResponsePart.self) else {
            XCTFail("expected a response head")
            throw ChannelError.ioOnClosedChannel
        }
        var body = ""
        while let part = try channel.readOutbound(as: HTTPServerResponsePart.self) {
            if case .body(.byteBuffer(let buffer)) = part { body += String(buffer: buffer) }
        }
        XCTAssertFalse(channel.isActive, "one response per connection")
        return (head, body)
    }

    func testGetMetricsServesTheExpositionAsPrometheusText() throws {
        let (head, body) = try respond(.GET, "/metrics?name[]=x")
        XCTAssertEqual(head.status, .ok)
        XCTAssertEqual(head.headers["Content-Type"], ["text/plain; version=0.0.4; charset=utf-8"])
        XCTAssertEqual(head.headers["Content-Length"], ["21"])
        XCTAssertEqual(body, "pgcutover_sessions 2\n")
    }

    func testOtherPathsAndMethodsAreRefused() throws {
        XCTAssertEqual(try respond(.GET, "/").0.status, .notFound)
        XCTAssertEqual(try respond(.POST, "/metrics").0.status, .methodNotAllowed)
        let (head, body) = try respond(.HEAD, "/metrics")
        XCTAssertEqual(head.status, .ok)
        XCTAssertEqual(body, "")
    }
}
