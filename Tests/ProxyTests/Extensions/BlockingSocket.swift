#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import WireProtocol
import XCTest

/// A plain TCP client for tests that must send bytes no driver would: garbage, bad lengths, one
/// byte at a time. Every read has a timeout, so a test fails instead of hanging.
final class BlockingSocket {
    private let fd: Int32
    private var inbound = ByteBuffer()
    private var decoder = FrameDecoder(phase: .messages)

    init(port: Int, timeoutSeconds: Int = 10) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SocketError("socket() failed") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(fd)
            throw SocketError("connect to port \(port) failed: errno \(errno)")
        }
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw SocketError("send failed: errno \(errno)") }
            offset += sent
        }
    }

    func send(_ buffer: ByteBuffer) throws {
        try send(Array(buffer.readableBytesView))
    }

    func send<M: WireMessage>(_ message: M) throws {
        try send(FrameEncoder.frame(message))
    }

    /// Reads raw bytes; an empty array means the peer closed.
    func receive(max: Int = 65536) throws -> [UInt8] {
        var chunk = [UInt8](repeating: 0, count: max)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, max, 0) }
        guard count >= 0 else { throw SocketError("recv failed or timed out: errno \(errno)") }
        return Array(chunk[0..<count])
    }

    /// The next backend frame, or nil when the peer closed.
    func nextFrame() throws -> Frame? {
        while true {
            if let frame = try decoder.next(from: &inbound) { return frame }
            let bytes = try receive()
            if bytes.isEmpty { return nil }
            inbound.writeBytes(bytes)
        }
    }

    /// Reads frames up to and including ReadyForQuery (or the close), returning them all.
    func readUntilReady() throws -> [Frame] {
        var frames: [Frame] = []
        while let frame = try nextFrame() {
            frames.append(frame)
            if frame.backendID == .readyForQuery { break }
        }
        return frames
    }

    /// True when the peer closes the connection after at most `frames` more frames.
    func closesAfterReading(upTo frames: Int = 16) throws -> Bool {
        for _ in 0...frames {
            if try nextFrame() == nil { return true }
        }
        return false
    }
}

struct SocketError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
