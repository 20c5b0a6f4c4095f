@testable import Proxy
import XCTest

final class SessionStatusCellTests: XCTestCase {
    func testNothingBeforeTheFirstPublishThenEveryStateChange() throws {
        let cell = SessionStatusCell()
        XCTAssertNil(cell.status)
        var info = SessionInfo(id: 7, clientAddress: "192.0.2.1:5000")
        info.user = "loader"
        info.applicationName = "nightly"
        let since = Date(timeIntervalSince1970: 1_000)
        cell.publish(SessionStatus(info: info, state: .idle, connectedAt: since))
        XCTAssertEqual(cell.status, SessionStatus(info: info, state: .idle, connectedAt: since))
        for state in SessionStatus.State.allCases {
            cell.publish(state: state)
            let status = try XCTUnwrap(cell.status)
            XCTAssertEqual(status.state, state)
            XCTAssertEqual(status.user, "loader", "a state change keeps who the session is")
            XCTAssertEqual(status.applicationName, "nightly")
        }
    }
}
