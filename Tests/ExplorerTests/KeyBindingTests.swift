import Foundation
import Testing
@testable import Explorer

/// One key table feeds the handler, the footer, the help overlay and the README.
@Suite struct KeyBindingTests {
    @Test func everyKeyHasOneActionAndTheHelpNamesIt() {
        let keys = KeyBindings.all.flatMap { $0.keys.map(\.key) }
        #expect(Set(keys).count == keys.count, "a key is bound twice")
        for key in keys { #expect(KeyBindings.action(for: key) != nil) }
        #expect(KeyBindings.action(for: "z") == nil)
        let help = KeyBindings.helpLines.joined(separator: "\n")
        for binding in KeyBindings.all { #expect(help.contains(binding.help)) }
    }

    @Test(arguments: [80, 100, 120, 200])
    func theFooterFitsAndKeepsHelpAndQuit(width: Int) {
        let footer = KeyBindings.footer(width: width)
        #expect(footer.count <= width, "\(footer.count) columns at \(width)")
        #expect(footer.contains("? help  q quit") && footer.contains("space play"))
        if width >= 200 { for binding in KeyBindings.all { #expect(footer.contains(binding.footer)) } }
    }

    @Test func theREADMEsTableIsTheKeyTable() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains(KeyBindings.markdownTable + "\n"), "README.md's key table differs from KeyBindings.markdownTable:\n\(KeyBindings.markdownTable)")
    }
}
