import NIOCore
import Proxy

extension SessionStateMachine.Action: Equatable {
    public static func == (lhs: Self, rhs: Self) -> Bool {
        switch (lhs, rhs) {
        case (.none, .none), (.forward, .forward), (.startClientTLS, .startClientTLS),
            (.connectUpstream, .connectUpstream), (.sendSSLRequestUpstream, .sendSSLRequestUpstream),
            (.startUpstreamTLS, .startUpstreamTLS), (.closeQuietly, .closeQuietly):
            return true
        case (.replaceToClient(let a), .replaceToClient(let b)), (.replaceToServer(let a), .replaceToServer(let b)):
            return a == b
        case (.drop, .drop):
            return true
        case (.forwardRegisteringCancelKey(let a), .forwardRegisteringCancelKey(let b)):
            return a == b
        case (.replyToNegotiation(let a), .replyToNegotiation(let b)):
            return a == b
        case (.sendStartupUpstream(let a), .sendStartupUpstream(let b)):
            return a == b
        case (.cancel(let a), .cancel(let b)):
            return a == b
        case (.closeSession(let a), .closeSession(let b)):
            return a == b
        case (.forwardThenClose(let a), .forwardThenClose(let b)):
            return a == b
        default:
            return false
        }
    }
}
