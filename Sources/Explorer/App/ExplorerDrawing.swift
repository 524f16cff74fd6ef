import Imaging
import Restoration
import Tensors

extension ExplorerApp {
    /// Draws a frame: the text first (presented at once), then the images that changed. Returns when
    /// the text was on screen (the moment a key's answer became visible).
    @discardableResult
    func draw(_ v: ExplorerView, on screen: TerminalScreen) -> Double {
        screen.refreshSize()
        // ncurses does not know about the raw image cells: after a layout change it must repaint all,
        // and every image is sent again. Otherwise the cells under an image stay as they are (ncurses
        // sees them blank in both frames), so only images that changed are sent.
        let shape = "\(v.compare) \(showHelp) \(showGuidancePanes) \(screen.rows)x\(screen.columns) \(v.title) \(v.truth != nil)"
        screen.clear(full: shape != lastShape)
        lastShape = shape
        guard screen.columns >= ExplorerLayout.minimumColumns && screen.rows >= ExplorerLayout.minimumRows else {
            screen.text("dnr explore needs at least 80×24; this window is \(screen.columns)×\(screen.rows).", row: 0, column: 0, style: .notice)
            screen.present()
            return monotonicSeconds()
        }
        let s = v.settings
        let first = v.rows[0]
        screen.text("dnr explore — \(v.title)", row: 0, column: 0, style: .title)
        // Before the first step the run stands at T′.
        screen.text("step \(first.step)/\(first.stepCount)  t=\(first.step == 0 ? s.startStep : first.timestep)  T′=\(s.startStep)  \(s.kind.name)\(s.steps.map { " K=\($0)" } ?? "")  seed \(s.seed)  "
                    + "mode \(v.compare ? "compare" : s.guidance.rawValue)\(s.guidance == .masked || v.compare ? "(\(Self.maskName(s.maskSource)))" : "")  s=\(s.scale)  δ=\(String(format: "%.2f", s.delta))  τ=\(String(format: "%.1f", s.noiseTemperature))  M′ \(Int(v.coverage * 100))%"
                    + (v.finished ? "  [finished]" : "") + (v.applying ? "  (applying…)" : ""), row: 1, column: 0, style: .status)
        if showHelp {
            // The overlay replaces the panes (their images are not drawn under it either).
            drawHelp(on: screen)
            drawFooter(on: screen)
            screen.present()
            return monotonicSeconds()
        }

        // Top row: x, g(x), M′, the mask guidance uses (as painted while the brush is on), ground truth.
        var top: [(ExplorerLayout.Pane, String, RGBImage)] = [(.degraded, "x", v.degraded), (.conditioned, "g(x)", v.conditioned), (.proxyMask, "M′", v.proxyMask)]
        let yours = s.maskSource == .user ? painted : nil
        let maskPane = brush.flatMap { b in painted.map { b.overlay(on: $0) } } ?? RGBImage(mask: yours ?? v.chosenMask)
        top.append((.mask, "mask: " + Self.maskName(s.maskSource) + (brush.map { " [\($0.mode.rawValue) r=\($0.radius)]" } ?? ""), maskPane))
        if let t = v.truth { top.append((.truth, "ground truth", t)) }
        let layout = ExplorerLayout(columns: screen.columns, rows: screen.rows, top: top.map(\.0), samplerRows: v.rows.count, guidancePanes: showGuidancePanes)
        self.layout = layout
        let (paneColumns, imageRows) = (layout.paneColumns, layout.imageRows)
        maskPaneDrawn = display.imageMode.cells(columns: paneColumns, rows: imageRows)
        var images: [(ExplorerLayout.Rect, RGBImage, crisp: Bool)] = []
        func place(_ pane: ExplorerLayout.Pane, _ label: String, _ image: RGBImage?) {
            guard let rect = layout.panes[pane] else { return }
            screen.text(label, row: rect.row - 1, column: rect.column, style: .label)
            // Masks are scaled without smoothing: their edges stay sharp and their few colours exact.
            if let image { images.append((rect, image, [.proxyMask, .mask].contains(pane))) }
        }
        for (pane, label, image) in top { place(pane, label, image) }
        for (index, (r, line)) in zip(v.rows, layout.samplerRows).enumerated() {
            place(.predicted(index), "[\(r.mode.rawValue)] ŷ0,t", r.predictedStart)
            place(.current(index), r.stepCount > 0 && r.step == r.stepCount ? "final" : "y_t", r.current)
            place(.shift(index), "update" + (r.shift == nil ? " (none)" : String(format: " ±%.2g", r.shiftLargest)), r.shift)
            if let change = r.change {
                place(.distance(index), "|ŷ0,t − off| ≤" + String(format: "%.2g", r.changeLargest), change)
            } else {
                place(.distance(index), "|ŷ0,t − g(x)|", r.distance)
            }
            let (row, numbers) = (line.labelRow, line.numbersColumn)
            let perceptual = r.perceptualHistory.last.map { "  f-p " + String(format: "%.4f", $0) } ?? ""
            screen.text("IDS \(r.ids.map { String(format: "%.4f", $0) } ?? "–")" + perceptual + " to \(v.truth == nil ? "g(x)" : "truth")",
                        row: row + 1, column: numbers, style: .numbers)
            screen.text("L_arc \(r.identityLoss.map { String(format: "%.4f", $0) } ?? "–")  ‖∇L‖ \(String(format: "%.3g", r.gradientNorm))", row: row + 2, column: numbers, style: .numbers)
            screen.text("\(String(format: "%.0f", r.milliseconds)) ms/step" + (r.effect.map { "   " + Self.describe($0, mask: Self.maskName(s.maskSource)) } ?? ""),
                        row: row + 3, column: numbers, style: .numbers)
            screen.text("IDS    " + Sparkline.render(r.idsHistory, width: 30), row: row + 4, column: numbers, style: .sparkline)
            screen.text("L_arc  " + Sparkline.render(r.lossHistory, width: 30), row: row + 5, column: numbers, style: .sparkline)
            if v.truth != nil && layout.imageRows >= 5 {  // the line below the pane's last row otherwise
                screen.text("f-p    " + Sparkline.render(r.perceptualHistory, width: 30), row: row + 6, column: numbers, style: .sparkline)
            }
        }
        if let message = notice ?? (v.message.isEmpty ? nil : v.message) {
            let lines = WordWrap.lines(message, width: screen.columns)
            for (i, line) in lines.enumerated() { screen.text(line, row: screen.rows - 2 - lines.count + i, column: 0, style: .message) }
        }
        drawFooter(on: screen)
        screen.present()
        let textShown = monotonicSeconds()
        for (rect, image, crisp) in images {
            screen.place(image, row: rect.row, column: rect.column, columns: rect.columns, rows: rect.rows, crisp: crisp, mode: display.imageMode)
        }
        return textShown
    }

    /// "vs off Δ 0.012, 84 % in M (M 30 %)": how far guidance moved ŷ0,t from the unguided row and how
    /// much of that lies inside the mask, beside the share the mask's size alone would give.
    static func describe(_ e: GuidanceEffect, mask: String) -> String {
        "vs off Δ " + String(format: "%.3f", e.meanChange)
            + (e.shareInMask.map { ", " + String(format: "%.0f", $0 * 100) + " % in " + mask } ?? "")
            + " (" + mask + " " + String(format: "%.0f", e.maskCoverage * 100) + " %)"
    }

    static func maskName(_ source: MaskSource) -> String {
        switch source {
        case .learned: "M"
        case .proxy: "M′"
        case .regions: "regions"
        case .user: "yours"
        }
    }

    /// The key line (the most important keys that fit), across the whole width, on the line above the last.
    func drawFooter(on screen: TerminalScreen) {
        screen.text(KeyBindings.footer(width: screen.columns).padding(toLength: screen.columns, withPad: " ", startingAt: 0),
                    row: screen.rows - 2, column: 0, style: .footer)
    }

    func drawHelp(on screen: TerminalScreen) {
        let lines = KeyBindings.helpLines(width: min(screen.columns - 8, 110))
        let width = min(lines.map(\.count).max()! + 4, screen.columns - 4)
        for (i, line) in lines.enumerated() where 4 + i < screen.rows - 3 {
            screen.text(String(("  " + line).padding(toLength: width, withPad: " ", startingAt: 0).prefix(width)), row: 4 + i, column: 2, style: .help)
        }
    }
}
