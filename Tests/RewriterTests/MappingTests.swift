import Rewriter
import XCTest

final class MappingTests: XCTestCase {
    func testShippedMappingDescribesBothFolds() throws {
        let mapping = try Rewriter.loadMapping(path: RepositoryFiles.mappingPath)
        XCTAssertEqual(mapping.targetTable, "coordizer_vocabulary")
        let profiles = try XCTUnwrap(mapping.table(named: "god_vocabulary_profiles"))
        XCTAssertEqual(profiles.kind, .keyedObject)
        XCTAssertEqual(profiles.container, "god_profile")
        XCTAssertEqual(profiles.columns.map(\.name), [
            "id", "god_name", "word", "relevance_score", "usage_count", "last_used", "learned_from_phi", "basin_distance",
        ])
        XCTAssertEqual(profiles.column(named: "god_name")?.source, .objectKey)
        XCTAssertEqual(profiles.column(named: "word")?.source, .joinColumn)
        let relationships = try XCTUnwrap(mapping.table(named: "basin_relationships"))
        XCTAssertEqual(relationships.kind, .keyedArray)
        XCTAssertEqual(relationships.column(named: "neighbor")?.source, .member(jsonKey: "neighbor"))
        XCTAssertEqual(relationships.column(named: "contexts")?.sqlType, "text[]")
        XCTAssertEqual(relationships.columns.count, 10)
    }

    func testRejectsAColumnWithoutASource() {
        let toml = """
            target_table = "t"
            [[fold]]
            legacy_table = "l"
            kind = "keyed-array"
            container = "c"
            key = "k"
            join = "w"
            join_target = "token"
            columns = [ { name = "w", type = "text" }, { name = "k", type = "text" } ]
            """
        XCTAssertThrowsError(try Mapping(toml: toml)) { error in
            XCTAssertTrue("\(error)".contains("column k needs a json key"), "\(error)")
        }
    }

    func testRejectsAnUnknownFoldKind() {
        let toml = """
            target_table = "t"
            [[fold]]
            legacy_table = "l"
            kind = "keyed-set"
            container = "c"
            key = "k"
            join = "w"
            join_target = "token"
            columns = [ { name = "w", type = "text" }, { name = "k", type = "text", json = "k" } ]
            """
        XCTAssertThrowsError(try Mapping(toml: toml))
    }
}
