import Foundation

/// Legacy SQL in, single-table SQL out. Pure: no I/O, no state between calls, safe to share.
///
///     let rewriter = try Rewriter(mapping: Mapping(toml: text))
///     switch rewriter.rewrite(sql) { case .passThrough: … case .rewritten(let sql, _): … case .refused(let error): … }
public struct Rewriter: Sendable {
    public let mapping: Mapping
    public let options: RewriterOptions
    private let folds: [String: FoldedRows]
    private let precheck: LegacyNamePrecheck
    private let valuesRowNeedles: [[UInt8]]

    public init(mapping: Mapping, options: RewriterOptions = RewriterOptions()) {
        self.mapping = mapping
        self.options = options
        var folds: [String: FoldedRows] = [:]
        for table in mapping.tables {
            folds[table.name] = FoldedRows(table: table, targetTable: mapping.targetTable)
        }
        self.folds = folds
        self.precheck = LegacyNamePrecheck(names: mapping.tables.map(\.name))
        self.valuesRowNeedles = ParseTree.valuesRowNeedles(names: mapping.tables.map(\.name))
    }

    /// False when `sql` cannot name a legacy table (no legacy name in it, in any case or quoting):
    /// the cheap test a caller makes before caching or parsing.
    public func mayReferenceLegacyTable(_ sql: String) -> Bool {
        precheck.mayReference(sql)
    }

    /// The legacy tables whose names appear in `sql`: what an audit of a statement the rewriter
    /// refused can still say about it.
    public func legacyTablesMentioned(in sql: String) -> [String] {
        precheck.namesMentioned(in: sql)
    }

    /// Rewrites every statement of `sql` that reads a legacy table. A text that does not parse is
    /// passed through, so the client gets the server's own syntax error.
    public func rewrite(_ sql: String) -> RewriteOutcome {
        rewrite(sql, marksPositions: false)
    }

    /// `marksPositions`: the rewritten text carries `PositionMark`s (see `originalErrorPosition`).
    func rewrite(_ sql: String, marksPositions: Bool) -> RewriteOutcome {
        guard precheck.mayReference(sql) else { return .passThrough }
        let tree: ParseTree
        do {
            // A VALUES row of constants needs no analysis: only its text is copied, by token.
            tree = try ParseTree.parse(sql, skippingValuesRowsWithout: valuesRowNeedles)
        } catch {
            switch error {
            case .syntax: return .passThrough
            case .tooDeep: return .refused(.tooDeeplyNested)
            }
        }
        let finder = ReferenceFinder(mapping: mapping, options: options)
        var analyses: [StatementAnalysis] = []
        do {
            for statement in tree.statements {
                analyses.append(try finder.analyze(statement.node))
            }
        } catch {
            return .refused(error)
        }
        guard analyses.contains(where: { !$0.legacyTables.isEmpty }) else { return .passThrough }
        let text = Array(sql.utf8)
        let statementRewriter = StatementRewriter(
            text: text, tokens: ScannedToken.scan(sql), folds: folds, marksPositions: marksPositions)
        var edits: [TextEdit] = []
        var statements: [RewrittenStatement] = []
        do {
            for (analysis, statement) in zip(analyses, tree.statements) {
                let reads = try statementRewriter.edits(for: analysis)
                var tag = CommandTagRule.fromServer
                if let write = analysis.write, let fold = folds[write.target.table.name] {
                    let writer = WriteRewriter(
                        statement: statementRewriter, fold: fold,
                        writes: FoldWrites(table: write.target.table, mapping: mapping),
                        range: statement.range, readEdits: reads)
                    let (edit, writeTag) = try writer.rewrite(write)
                    edits.append(edit)
                    tag = writeTag
                } else if !analysis.truncated.isEmpty {
                    edits.append(TextEdit(range: statement.range, replacement: emptying(analysis.truncated)))
                    tag = .fixed("TRUNCATE TABLE")
                } else {
                    edits += reads
                }
                statements.append(
                    RewrittenStatement(kind: analysis.kind, legacyTables: analysis.legacyTables, commandTag: tag))
            }
        } catch {
            return .refused(error)
        }
        guard let rewritten = TextEdit.apply(edits, to: text, marking: marksPositions) else {
            return .refused(RewriteError(sqlState: "XX000", message: "pgcutover produced overlapping rewrites"))
        }
        return .rewritten(sql: rewritten, statements: statements)
    }

    /// TRUNCATE of folded tables: every container of theirs becomes NULL (no legacy rows left).
    private func emptying(_ tables: [LegacyTable]) -> String {
        let containers = tables.map { SQLText.identifier($0.container) }
        return "UPDATE \(mapping.targetTable) SET " + containers.map { "\($0) = NULL" }.joined(separator: ", ")
            + " WHERE " + containers.map { "\($0) IS NOT NULL" }.joined(separator: " OR ")
    }

    /// The mapping shipped in `config/mapping.toml`, loaded from a file path.
    public static func loadMapping(path: String) throws(MappingError) -> Mapping {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MappingError(message: "cannot read mapping file \(path)")
        }
        return try Mapping(toml: String(decoding: data, as: UTF8.self))
    }
}
