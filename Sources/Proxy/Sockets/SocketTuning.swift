#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// TCP options set on each client and server socket as it is made: keepalive, so a peer that
/// vanished without a FIN is noticed, and TCP_USER_TIMEOUT, so data the peer never acknowledges
/// drops the connection in bounded time. NIO names only SO_KEEPALIVE; the rest are set by number.
enum SocketTuning {
    static func apply(keepalive: TCPKeepalive?, userTimeoutMilliseconds: Int = 0, to channel: any Channel) throws {
        guard let options = channel.syncOptions else { return }
        guard let keepalive else {
            try options.setOption(.socketOption(.so_keepalive), value: 0)
            return
        }
        try options.setOption(.socketOption(.so_keepalive), value: 1)
        #if os(Linux)
        try options.setOption(tcp(TCP_KEEPIDLE), value: keepalive.idleSeconds)
        try options.setOption(tcp(TCP_KEEPINTVL), value: keepalive.intervalSeconds)
        try options.setOption(tcp(TCP_KEEPCNT), value: keepalive.count)
        if userTimeoutMilliseconds > 0 {
            try options.setOption(tcp(CInt(TCP_USER_TIMEOUT)), value: userTimeoutMilliseconds)
        }
        #endif
    }

    private static func tcp(_ name: CInt) -> ChannelOptions.Types.SocketOption {
        ChannelOptions.Types.SocketOption(level: .tcp, name: NIOBSDSocket.Option(rawValue: name))
    }
}
