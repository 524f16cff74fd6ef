import Restoration

/// What a key asks the explorer to do.
enum ExplorerAction: Equatable, Sendable {
    case quit, toggleHelp, playPause, step(Int), runToEnd, restart, nextSeed
    case delta(Float), startStep(Int), scale(up: Bool), temperature(Float), cycleMode, cycleMaskSource, toggleCompare, toggleGuidancePanes, sample(Int), snapshot
    /// The mask brush: off → paint → erase → off; move it (painting, or with the pen up); its size;
    /// clear the painted mask; save it as PNG.
    case cycleBrush, moveBrush(dx: Int, dy: Int, painting: Bool), brushSize(Int), clearMask, saveMask
}

extension ExplorerAction {
    /// Keys whose answer the UI draws itself, without waiting for the worker (help, panes, the brush).
    var isAnsweredByUI: Bool {
        switch self {
        case .toggleHelp, .toggleGuidancePanes, .cycleBrush, .moveBrush, .brushSize: true
        default: false
        }
    }

    /// The settings a knob key leads to from `s` (nil for keys that are not knob changes). The UI
    /// shows them at once and the worker applies exactly them, so the knobs' steps and limits live here only.
    func settings(after s: SamplerSettings, hasUserMask: Bool) -> SamplerSettings? {
        var n = s
        switch self {
        case .delta(let change): n.delta = min(max(s.delta + change, 0), 1)
        case .startStep(let change): n.startStep = min(max(s.startStep + change, 1), 1000)
        case .scale(let up): n.scale = up ? (s.scale == 0 ? 1 : s.scale * 2) : s.scale / 2
        case .temperature(let change): n.noiseTemperature = min(max(((s.noiseTemperature + change) * 10).rounded() / 10, 0), 2)
        case .nextSeed: n.seed = s.seed + 1
        case .cycleMode:
            let modes = GuidanceMode.allCases
            n.guidance = modes[(modes.firstIndex(of: s.guidance)! + 1) % modes.count]
        case .cycleMaskSource:
            switch s.maskSource {
            case .learned: n.maskSource = .proxy
            case .proxy: n.maskSource = .regions
            case .regions: n.maskSource = hasUserMask ? .user : .learned
            case .user: n.maskSource = .learned
            }
        default: return nil
        }
        return n
    }
}

/// One row of the key table: its keys (each with its action), the footer's short label, the help
/// overlay's and README's description, and its rank for a narrow footer (lower is shown first).
/// The handler, the footer, the help overlay and the README's table all come from `KeyBindings.all`.
struct KeyBinding: Sendable {
    let keys: [(key: Character, action: ExplorerAction)]
    /// How the keys are written in the help and the README ("d / D").
    let keyText: String
    let footer: String
    let help: String
    let rank: Int
}

public enum KeyBindings {
    static let all: [KeyBinding] = [
        KeyBinding(keys: [(" ", .playPause), ("n", .step(1)), ("N", .step(10)), ("e", .runToEnd)], keyText: "space, `n`, `N`, `e`",
                   footer: "space play  n step  N ten  e end", help: "play/pause, one step, ten steps, run to the end", rank: 1),
        KeyBinding(keys: [("r", .restart), ("x", .nextSeed)], keyText: "`r`, `x`",
                   footer: "r restart  x seed", help: "restart, next seed (restarts)", rank: 5),
        KeyBinding(keys: [("d", .delta(-0.05)), ("D", .delta(0.05))], keyText: "`d` / `D`",
                   footer: "d/D δ", help: "δ − / + 0.05: M′ and M are redrawn at once, the guidance uses them from the next step", rank: 3),
        KeyBinding(keys: [("t", .startStep(-50)), ("T", .startStep(50))], keyText: "`t` / `T`",
                   footer: "t/T T′", help: "T′ − / + 50 (restarts)", rank: 6),
        KeyBinding(keys: [("s", .scale(up: false)), ("S", .scale(up: true))], keyText: "`s` / `S`",
                   footer: "s/S scale", help: "guidance strength ÷ 2 / × 2 (from the next step)", rank: 4),
        KeyBinding(keys: [("v", .temperature(-0.1)), ("V", .temperature(0.1))], keyText: "`v` / `V`",
                   footer: "v/V τ", help: "noise temperature τ − / + 0.1: each step adds τ times the sampler's noise (1: the paper's DDPM; from the next step)", rank: 6),
        KeyBinding(keys: [("m", .cycleMode), ("M", .cycleMaskSource)], keyText: "`m`, `M`",
                   footer: "m/M mode", help: "guidance mode off → uniform → masked; the mask masked guidance uses: learned M → M′ → facial regions (eyes, nose, mouth) → yours (--mask file or painted) (from the next step)", rank: 7),
        KeyBinding(keys: [("b", .cycleBrush), ("<", .brushSize(-1)), (">", .brushSize(1)), ("z", .clearMask), ("w", .saveMask)], keyText: "`b`, `<` / `>`, `z`, `w`",
                   footer: "b brush", help: "paint the guidance mask: brush off → paint → erase (it starts from the mask in use, and masked guidance uses yours from the next step); brush size − / +; clear your mask; save it as PNG (load it with --mask)", rank: 4),
        KeyBinding(keys: [("h", .moveBrush(dx: -1, dy: 0, painting: true)), ("j", .moveBrush(dx: 0, dy: 1, painting: true)), ("k", .moveBrush(dx: 0, dy: -1, painting: true)),
                          ("l", .moveBrush(dx: 1, dy: 0, painting: true)), ("←", .moveBrush(dx: -1, dy: 0, painting: true)), ("↓", .moveBrush(dx: 0, dy: 1, painting: true)),
                          ("↑", .moveBrush(dx: 0, dy: -1, painting: true)), ("→", .moveBrush(dx: 1, dy: 0, painting: true)),
                          ("H", .moveBrush(dx: -4, dy: 0, painting: false)), ("J", .moveBrush(dx: 0, dy: 4, painting: false)),
                          ("K", .moveBrush(dx: 0, dy: -4, painting: false)), ("L", .moveBrush(dx: 4, dy: 0, painting: false))],
                   keyText: "`h` `j` `k` `l` / arrows, `H` `J` `K` `L`",
                   footer: "hjkl move brush", help: "move the brush 2 pixels, painting (or erasing) as it goes; 8 pixels with the pen up. The mouse paints too, on the mask pane: the left button paints, the right erases", rank: 10),
        KeyBinding(keys: [("c", .toggleCompare)], keyText: "`c`",
                   footer: "c compare", help: "compare mode: off, uniform and masked guidance in lock-step on the same noise", rank: 2),
        KeyBinding(keys: [("g", .toggleGuidancePanes)], keyText: "`g`",
                   footer: "g guidance", help: "show where the guidance acts: this step's update of y (red raises, blue lowers, scaled to its largest value) and |ŷ0,t − g(x)| (×4) beside each row; in compare mode the guided rows show |ŷ0,t − off| instead: how far guidance has moved the estimate from the unguided row's, scaled to its largest value", rank: 3),
        KeyBinding(keys: [("[", .sample(-1)), ("]", .sample(1))], keyText: "`[` / `]`",
                   footer: "[/] sample", help: "previous / next sample (settings kept)", rank: 8),
        KeyBinding(keys: [("p", .snapshot)], keyText: "`p`",
                   footer: "p snapshot", help: "snapshot: every pane as PNG, a contact sheet of the run (x, g(x), ŷ0,t at eight evenly spaced steps, ground truth; one line per row) and `snapshot.json` with the settings and every step's numbers", rank: 9),
        KeyBinding(keys: [("?", .toggleHelp), ("q", .quit)], keyText: "`?`, `q`",
                   footer: "? help  q quit", help: "help (pauses playing), quit", rank: 0),
    ]

    static func action(for key: Character) -> ExplorerAction? {
        for binding in all { if let hit = binding.keys.first(where: { $0.key == key }) { return hit.action } }
        return nil
    }

    /// The footer for `width` columns: the most important bindings that fit, in table order.
    static func footer(width: Int) -> String {
        var shown = Set<Int>(), used = 0
        for (index, binding) in all.enumerated().sorted(by: { $0.element.rank < $1.element.rank }) {
            let cost = binding.footer.count + (shown.isEmpty ? 0 : 2)
            if used + cost <= width { shown.insert(index); used += cost }
        }
        return all.enumerated().filter { shown.contains($0.offset) }.map(\.element.footer).joined(separator: "  ")
    }

    /// The help overlay's lines for `width` columns: keys in a column, their help wrapped beside them.
    static func helpLines(width: Int = 200) -> [String] {
        let plain = { (text: String) in text.replacingOccurrences(of: "`", with: "") }
        let keyWidth = all.map { plain($0.keyText).count }.max()! + 2
        let textWidth = max(width - keyWidth, 20)
        var lines = ["Keys", ""]
        for binding in all {
            let key = plain(binding.keyText).padding(toLength: keyWidth, withPad: " ", startingAt: 0)
            for (i, text) in WordWrap.lines(plain(binding.help), width: textWidth).enumerated() {
                lines.append((i == 0 ? key : String(repeating: " ", count: keyWidth)) + text)
            }
        }
        return lines
    }

    /// The README's table, written from the same bindings (a test keeps the README in step); a "|" in a
    /// description is escaped, or Markdown would read it as a column break.
    public static var markdownTable: String {
        (["| key | action |", "|---|---|"] + all.map { "| \($0.keyText) | \($0.help.split(separator: "|", omittingEmptySubsequences: false).joined(separator: "\\|")) |" }).joined(separator: "\n")
    }
}
