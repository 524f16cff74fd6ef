import Imaging
import Restoration

extension ExplorerApp {
    func draw(_ v: ExplorerView, on screen: TerminalScreen) {
        screen.refreshSize()
        // ncurses does not know about the raw image cells: after a layout change it must repaint all,
        // and every image is sent again. Otherwise the cells under an image stay as they are (ncurses
        // sees them blank in both frames), so only images that changed are sent.
        let layout = "\(v.compare) \(showHelp) \(showGuidancePanes) \(screen.rows)x\(screen.columns) \(v.title) \(v.mask != nil) \(v.truth != nil)"
        let full = layout != lastLayout
        screen.clear(full: full)
        if full { sentImages = [:] }
        lastLayout = layout
        guard screen.columns >= 80 && screen.rows >= 24 else {
            screen.text("dnr explore needs at least 80×24; this window is \(screen.columns)×\(screen.rows).", row: 0, column: 0, style: .notice)
            screen.present()
            return
        }
        let s = v.settings
        let first = v.rows[0]
        screen.text("dnr explore — \(v.title)", row: 0, column: 0, style: .title)
        // Before the first step the run stands at T′.
        screen.text("step \(first.step)/\(first.stepCount)  t=\(first.step == 0 ? s.startStep : first.timestep)  T′=\(s.startStep)  \(s.kind.name)\(s.steps.map { " K=\($0)" } ?? "")  seed \(s.seed)  "
                    + "mode \(v.compare ? "compare" : s.guidance.rawValue)\(s.guidance == .masked || v.compare ? "(\(Self.maskName(s.maskSource)))" : "")  s=\(s.scale)  δ=\(String(format: "%.2f", s.delta))  M′ \(Int(v.coverage * 100))%"
                    + (v.finished ? "  [finished]" : "") + (v.applying ? "  (applying…)" : ""), row: 1, column: 0, style: .status)
        if showHelp {
            // The overlay replaces the panes (their images are not drawn under it either).
            drawHelp(on: screen)
            drawFooter(on: screen)
            screen.present()
            return
        }

        // Top row: x, g(x), M′, M, ground truth.
        var top: [(String, RGBImage)] = [("x", v.degraded), ("g(x)", v.conditioned), ("M′", v.proxyMask)]
        if let m = v.mask { top.append((v.settings.maskSource == .file ? "mask file" : "M", m)) }
        if let t = v.truth { top.append(("ground truth", t)) }
        // Square panes (a cell is two half-block pixels tall) sized so that the top row and every
        // sampler row fit between the header and the footer.
        let available = screen.rows - 6
        // Up to 32 rows: a 64-px image at one half-block per pixel (sixel panes scale to whatever fits).
        // With the g view a row holds four panes and the numbers (about 36 columns).
        let rowFit = showGuidancePanes ? (screen.columns - 40) / 8 : Int.max
        let imageRows = max(min((screen.columns - 2) / max(top.count, 4) / 2, 32, rowFit, available / (1 + v.rows.count) - 2), 3)
        let paneColumns = 2 * imageRows
        var row = 3
        var images: [(Int, Int, RGBImage)] = []
        for (i, (label, image)) in top.enumerated() {
            screen.text(label, row: row, column: i * (paneColumns + 1), style: .label)
            images.append((row + 1, i * (paneColumns + 1), image))
        }
        row += imageRows + 2
        for r in v.rows where row + imageRows + 2 < screen.rows - 2 {
            screen.text("[\(r.mode.rawValue)] ŷ0,t", row: row, column: 0, style: .label)
            screen.text(r.stepCount > 0 && r.step == r.stepCount ? "final" : "y_t", row: row, column: paneColumns + 1, style: .label)
            if let p = r.predictedStart { images.append((row + 1, 0, p)) }
            if let c = r.current { images.append((row + 1, paneColumns + 1, c)) }
            var panes = 2
            if showGuidancePanes {
                screen.text("update" + (r.shift == nil ? " (none)" : String(format: " ±%.2g", r.shiftLargest)), row: row, column: 2 * (paneColumns + 1), style: .label)
                screen.text("|ŷ0,t − g(x)|", row: row, column: 3 * (paneColumns + 1), style: .label)
                if let shift = r.shift { images.append((row + 1, 2 * (paneColumns + 1), shift)) }
                if let d = r.distance { images.append((row + 1, 3 * (paneColumns + 1), d)) }
                panes = 4
            }
            let numbers = panes * (paneColumns + 1) + 1
            screen.text("IDS \(r.ids.map { String(format: "%.4f", $0) } ?? "–") to \(v.truth == nil ? "g(x)" : "truth")", row: row + 1, column: numbers, style: .numbers)
            screen.text("L_arc \(r.identityLoss.map { String(format: "%.4f", $0) } ?? "–")  ‖∇L‖ \(String(format: "%.3g", r.gradientNorm))", row: row + 2, column: numbers, style: .numbers)
            screen.text("\(String(format: "%.0f", r.milliseconds)) ms/step", row: row + 3, column: numbers, style: .numbers)
            screen.text("IDS    " + Sparkline.render(r.idsHistory, width: 30), row: row + 4, column: numbers, style: .sparkline)
            screen.text("L_arc  " + Sparkline.render(r.lossHistory, width: 30), row: row + 5, column: numbers, style: .sparkline)
            row += imageRows + 2
        }
        if !v.message.isEmpty { screen.text(v.message, row: screen.rows - 3, column: 0, style: .message) }
        drawFooter(on: screen)
        screen.present()
        for (r, c, image) in images {
            let place = "\(r),\(c),\(paneColumns)x\(imageRows)", fingerprint = image.fingerprint
            guard sentImages[place] != fingerprint else { continue }
            drawImage(image, row: r, column: c, columns: paneColumns, rows: imageRows, on: screen)
            sentImages[place] = fingerprint
        }
    }

    static func maskName(_ source: MaskSource) -> String {
        switch source {
        case .learned: "M"
        case .proxy: "M′"
        case .file: "file"
        }
    }

    func drawImage(_ image: RGBImage, row: Int, column: Int, columns: Int, rows: Int, on screen: TerminalScreen) {
        switch display.graphics {
        case .blocks: screen.image(at: row, column: column, lines: TextImageRenderer.halfBlocks(image, columns: columns, rows: rows, trueColor: true))
        case .ascii: screen.image(at: row, column: column, lines: TextImageRenderer.ascii(image, columns: columns, rows: rows))
        case .sixel:
            let fit = CellFit(squareIn: columns, rows, cellWidth: display.cellWidth, cellHeight: display.cellHeight)
            // Repaints (help closed, resize) send the same images again: keep their encodings.
            let key = "\(image.fingerprint) \(fit.pixelWidth)x\(fit.pixelHeight)"
            if let bytes = sixelCache[key] {
                screen.sixel(at: row, column: column, bytes: bytes)
            } else if let bytes = try? SixelEncoder.encode(image.resized(width: fit.pixelWidth, height: fit.pixelHeight, filter: .bicubic).clamped(),
                                                            paletteSource: image) {
                if sixelCache.count >= 64 { sixelCache.removeAll() }
                sixelCache[key] = bytes
                screen.sixel(at: row, column: column, bytes: bytes)
            }
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

extension RGBImage {
    /// A hash of the pixels (FNV-1a over their bit patterns), to tell whether a pane changed.
    var fingerprint: UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        hash = (hash ^ UInt64(width)) &* 0x100_0000_01b3
        for value in samples { hash = (hash ^ UInt64(value.bitPattern)) &* 0x100_0000_01b3 }
        return hash
    }
}
