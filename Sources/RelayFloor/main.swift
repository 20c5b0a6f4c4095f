#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import NIOCore
import NIOPosix

// relay-floor LISTEN_PORT UPSTREAM_PORT THREADS
// A plain TCP relay on loopback: one server connection per client on the client's event loop, the
// same SwiftNIO setup as pgcutover's pass-through sessions but no framing, no session state, no
// TLS. The proxy benchmark runs it beside PgBouncer and pgcutover, so the run shows how much of
// pgcutover's cost per transaction is SwiftNIO's own and how much is pgcutover's.

let arguments = CommandLine.arguments
guard arguments.count == 4, let listenPort = Int(arguments[1]), let upstreamPort = Int(arguments[2]),
      let threads = Int(arguments[3]), threads > 0 else {
    print("usage: relay-floor LISTEN_PORT UPSTREAM_PORT THREADS")
    exit(2)
}

let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
let server = try await ServerBootstrap(group: group)
    .serverChannelOption(.backlog, value: 256)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
    .childChannelInitializer { client in
        let toServer = RelayHandler()
        do {
            try client.pipeline.syncOperations.addHandler(toServer)
        } catch {
            return client.eventLoop.makeFailedFuture(error)
        }
        let bound = NIOLoopBound(toServer, eventLoop: client.eventLoop)
        return ClientBootstrap(group: client.eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { upstream in
                upstream.eventLoop.makeCompletedFuture {
                    try upstream.pipeline.syncOperations.addHandler(RelayHandler(peer: client))
                }
            }
            .connect(host: "127.0.0.1", port: upstreamPort)
            .map { upstream in bound.value.attach(upstream) }
    }
    .bind(host: "127.0.0.1", port: listenPort).get()
try await server.closeFuture.get()
