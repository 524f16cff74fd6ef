import Foundation
import Testing
@testable import Explorer
import Restoration
import Tensors

/// One key table feeds the handler, the footer, the help overlay and the README.
@Suite struct KeyBindingTests {
    @Test func everyKeyHasOneActionAndTheHelpNamesIt() {
        let keys = KeyBindings.all.flatMap { $0.keys.map(\.key) }
        #expect(Set(keys).count == keys.count, "a key is bound twice")
        for key in keys { #expect(KeyBindings.action(for: key) != nil) }
        #expect(KeyBindings.action(for: "y") == nil)
        // Wrapped to 80 columns, every line fits and every word of every help text is there.
        let lines = KeyBindings.helpLines(width: 80)
        #expect(lines.allSatisfy { $0.count <= 80 })
        let words = Set(lines.joined(separator: " ").split(separator: " "))
        for binding in KeyBindings.all {
            for word in binding.help.replacingOccurrences(of: "`", with: "").split(separator: " ") { #expect(words.contains(word), "\(word)") }
        }
    }

    /// A notice longer than the window (the mask-pairing note names two paths and two hashes) is wrapped at spaces, not
    /// cut at the right edge; a word longer than a line is split.
    @Test func aLongNoticeWrapsAtSpacesWithinTheWidth() {
        #expect(WordWrap.lines("aa bb cc", width: 5) == ["aa bb", "cc"])
        #expect(WordWrap.lines("aa bb cc", width: 8) == ["aa bb cc"])
        #expect(WordWrap.lines("abcdefgh ij", width: 3) == ["abc", "def", "gh", "ij"])
        #expect(WordWrap.lines("", width: 4) == [""])
        let note = "note: /a/long/folder/mask.safetensors was trained reading another IPC (sha256 47a14bf341b6b99e…) than ipc.safetensors"
        let lines = WordWrap.lines(note, width: 40)
        #expect(lines.allSatisfy { $0.count <= 40 } && lines.count == 3)
        #expect(lines.joined(separator: " ") == note)
    }

    /// The knob keys' steps and limits, in the one function the UI shows and the worker applies.
    @Test func knobKeysStepAndStopAtTheirLimits() {
        var s = SamplerSettings()
        s.delta = 0.98
        s.startStep = 980
        s.scale = 1000
        #expect(ExplorerAction.delta(0.05).settings(after: s, hasUserMask: false)?.delta == 1)
        #expect(ExplorerAction.startStep(50).settings(after: s, hasUserMask: false)?.startStep == 1000)
        #expect(ExplorerAction.scale(up: true).settings(after: s, hasUserMask: false)?.scale == 2000)
        s.scale = 0
        #expect(ExplorerAction.scale(up: true).settings(after: s, hasUserMask: false)?.scale == 1)
        s.maskSource = .proxy
        #expect(ExplorerAction.cycleMaskSource.settings(after: s, hasUserMask: false)?.maskSource == .regions)
        s.maskSource = .regions
        #expect(ExplorerAction.cycleMaskSource.settings(after: s, hasUserMask: false)?.maskSource == .learned)
        #expect(ExplorerAction.cycleMaskSource.settings(after: s, hasUserMask: true)?.maskSource == .user)
        #expect(ExplorerAction.cycleMode.settings(after: s, hasUserMask: false)?.guidance == .off)  // masked → off
        #expect(ExplorerAction.step(1).settings(after: s, hasUserMask: false) == nil)
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

@Suite struct HeatMapTests {
    @Test func signedMapIsRedUpBlueDownWhiteAtZero() {
        // One channel, three pixels: +2, −1, 0.
        let (image, largest) = HeatMap.signed(Tensor(shape: [1, 1, 1, 3], scalars: [2, -1, 0]))
        #expect(largest == 2)
        #expect([image[0, 0, 0], image[1, 0, 0], image[2, 0, 0]] == [1, 0, 0])          // full red
        #expect([image[0, 0, 1], image[1, 0, 1], image[2, 0, 1]] == [0.5, 0.5, 1])      // half blue
        #expect([image[0, 0, 2], image[1, 0, 2], image[2, 0, 2]] == [1, 1, 1])          // white
    }

    @Test func magnitudeMapIsGreyAndClamped() {
        let image = HeatMap.magnitude(Tensor(shape: [1, 2, 1, 2], scalars: [0.1, 0.6, 0.3, 0.6]), gain: 2)
        #expect(image[0, 0, 0] == 0.4 && image[2, 0, 0] == 0.4 && image[1, 0, 1] == 1)
        // Scaled to its largest value: the channel means 0.2 and 0.6 become 1/3 and white.
        let (scaled, largest) = HeatMap.magnitude(Tensor(shape: [1, 2, 1, 2], scalars: [0.1, 0.6, 0.3, 0.6]))
        #expect(abs(largest - 0.6) < 1e-6 && abs(scaled[0, 0, 0] - 1.0 / 3) < 1e-6 && scaled[1, 0, 1] == 1)
    }
}
