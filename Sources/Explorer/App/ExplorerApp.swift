import FileIO
import Foundation
import Restoration
import Tensors

/// `dnr explore`'s UI: it owns the terminal, reads keys and the mouse on the main thread, and draws
/// the views the sampler's worker publishes. Knob keys and the brush are answered on screen at once;
/// their effect on the images follows once the worker has applied them (after the step in flight).
public final class ExplorerApp {
    let worker: SamplerWorker
    let resolution: Int
    let display: ExplorerDisplay
    let snapshotFolder: String
    var showHelp = false
    /// The update and |ŷ0,t − g(x)| beside each row.
    var showGuidancePanes = false
    /// Settings a knob key asked for that the worker has not published yet (and that key's number).
    var pending: (key: Int, settings: SamplerSettings)?
    /// Keys handled so far (a key's number is its place in this count).
    var keyCount = 0
    /// The brush while it is on; the user's mask as last painted; the layout last drawn and the cells
    /// the mask pane's image covers (for the mouse); the mouse button held.
    var brush: MaskBrush?
    var painted: Tensor?
    var layout: ExplorerLayout?
    var maskPaneDrawn = (columns: 0, rows: 0)
    var mouseButton: MouseEvent.Button?
    /// A message the UI itself shows until the next key (the worker's come with its views).
    public var notice: String?
    /// What the last frame looked like, to tell when the terminal must repaint everything.
    var lastShape = ""
    /// Key-to-redraw latencies, kept when `latencyLog` is set and written there on quit: (key, "ack" when
    /// the screen first shows the key's answer or "applied" when the images do, milliseconds).
    public var latencyLog: String?
    var latencies: [(Character, String, Double)] = []

    /// Opens the first of `samples` (at least one) with `settings`; `userMask` is a --mask file's mask.
    public init(pipeline: sending RestorationPipeline, samples: [ExplorerSample], settings: SamplerSettings, display: ExplorerDisplay,
                snapshotFolder: String, userMask: Tensor? = nil) throws {
        precondition(!samples.isEmpty, "the explorer needs a sample")
        let first = try samples[0].load()
        resolution = pipeline.resolution
        worker = SamplerWorker(pipeline: pipeline, first: first, samples: samples, settings: settings, userMask: userMask)
        painted = userMask
        self.display = display
        self.snapshotFolder = snapshotFolder
    }

    public func run(screen: TerminalScreen) throws {
        try screen.start()
        screen.apply(display.theme)
        defer { screen.stop() }
        var drawn = -1
        var waiting: [(key: Int, character: Character, since: Double, acknowledged: Bool)] = []
        var answeredOnScreen = 0  // keys the UI answers itself (help, panes, brush) are applied by the next frame
        while !screen.shouldQuit {
            if screen.takeResumed() {  // back from Ctrl-Z: repaint everything, images included
                lastShape = ""
                drawn = -1
            }
            if let key = screen.key() {
                keyCount += 1
                let character = UnicodeScalar(UInt32(max(key, 0))).map(Character.init) ?? "?"
                let since = monotonicSeconds()
                notice = nil
                if key == TerminalScreen.mouseKey {
                    if let event = screen.mouse { handleMouse(event) }
                } else if !handle(key) { break }
                let drawnByUI = key == TerminalScreen.mouseKey || KeyBindings.action(for: character)?.isAnsweredByUI == true
                if drawnByUI { answeredOnScreen = keyCount }
                // Knob keys (their new value shown at once) and the UI's own keys are acknowledged by the next frame.
                if latencyLog != nil { waiting.append((keyCount, character, since, !(drawnByUI || pending?.key == keyCount))) }
                drawn = -1
            }
            var (v, current) = worker.latest
            if let p = pending {
                if v.answeredKey >= p.key { pending = nil } else { v.settings = p.settings; v.applying = true }
            }
            if current != drawn {
                let textShown = draw(v, on: screen)
                drawn = current
                // Keys are acknowledged when the frame's text is on screen; the images follow when the worker applied them.
                let applied = max(v.answeredKey, answeredOnScreen), now = monotonicSeconds()
                for i in waiting.indices where !waiting[i].acknowledged {
                    latencies.append((waiting[i].character, "ack", (textShown - waiting[i].since) * 1000))
                    waiting[i].acknowledged = true
                }
                for w in waiting where w.key <= applied { latencies.append((w.character, "applied", (now - w.since) * 1000)) }
                waiting.removeAll { $0.key <= applied }
            }
        }
        // Quit is immediate: the terminal is restored first, then the step in flight (if any) ends.
        screen.stop()
        worker.stop()
        if let latencyLog {
            let text = latencies.map { "\($0.0)\t\($0.1)\t\(String(format: "%.2f", $0.2))\n" }.joined()
            try? AtomicFile.write(Array(text.utf8), to: latencyLog)
        }
    }

    /// Queues a command for the worker as the answer to the key being handled.
    func send(_ command: SamplerWorker.Command) { worker.send(command, key: keyCount) }

    /// Handles one key through the key table; false to quit.
    func handle(_ key: Int32) -> Bool {
        guard let scalar = UnicodeScalar(UInt32(max(key, 0))), let action = KeyBindings.action(for: Character(scalar)) else { return true }
        if let next = action.settings(after: pending?.settings ?? worker.latest.view.settings, hasUserMask: painted != nil) {
            // Shown at once; the worker applies the same settings after the step in flight.
            pending = (keyCount, next)
            send(.apply(next))
            if next.maskSource != .user { brush = nil }  // the brush paints only the user's mask
            return true
        }
        switch action {
        case .quit: return false
        case .toggleHelp:
            showHelp.toggle()
            if showHelp { send(.pause) }  // reading the help pauses the run
        case .playPause: send(.togglePlay)
        // One step per turn of the worker, so that quit, pause and knob keys land between any two steps.
        case .step(let count): for _ in 0..<count { send(.step) }
        case .runToEnd: send(.play)
        case .restart: send(.restart)
        case .nextSeed, .delta, .startStep, .scale, .temperature, .cycleMode, .cycleMaskSource: break  // knob changes, handled above
        case .toggleCompare: send(.toggleCompare)
        case .toggleGuidancePanes: showGuidancePanes.toggle()
        case .sample(let offset): send(.sample(offset))
        case .cycleBrush:
            switch brush?.mode {
            case nil: startBrush(.paint, at: nil)
            case .paint: brush?.mode = .erase
            case .erase: brush = nil
            }
        case .moveBrush(let dx, let dy, let painting):
            guard let b = brush else { notice = "b turns the brush on"; break }
            let step = max(resolution / 32, 1)
            brush = b.moved(dx: dx * step, dy: dy * step, resolution: resolution)
            if painting { paint(from: (b.x, b.y)) }
        case .brushSize(let change):
            guard let b = brush else { notice = "b turns the brush on"; break }
            brush = b.resized(by: change)
        case .clearMask:
            painted = Tensor(zeros: [1, 1, resolution, resolution])
            commitPainted()
        case .saveMask:
            guard let mask = painted else { notice = "no mask of yours to save: b paints one"; break }
            send(.saveMask(mask, folder: snapshotFolder))
        case .snapshot: send(.snapshot(folder: snapshotFolder + "/snapshot-\(Int(Date().timeIntervalSince1970))"))
        }
        return true
    }

    // MARK: Painting the mask (each stroke sends the new mask to the worker)

    /// Turns the brush on at `point` (the mask's centre when nil); the painting starts from the mask in use.
    func startBrush(_ mode: MaskBrush.Mode, at point: (x: Int, y: Int)?) {
        if painted == nil { painted = worker.latest.view.chosenMask }
        brush = MaskBrush(mode: mode, x: point?.x ?? resolution / 2, y: point?.y ?? resolution / 2, radius: brush?.radius ?? 3)
        commitPainted()
    }

    /// Paints (or erases) along the line from `start` to the brush.
    func paint(from start: (x: Int, y: Int)) {
        guard let b = brush, let mask = painted else { return }
        painted = b.stroked(from: start, on: mask)
        commitPainted()
    }

    /// Masked guidance uses the painted mask from the next step (shown at once, applied by the worker).
    func commitPainted() {
        guard let mask = painted else { return }
        let published = worker.latest.view
        var next = pending?.settings ?? published.settings
        next.maskSource = .user
        if !published.compare { next.guidance = .masked }
        pending = (keyCount, next)
        send(.setUserMask(mask))
        send(.apply(next))
    }

    /// The left button paints and the right erases, on the mask pane; a drag paints along its way.
    func handleMouse(_ event: MouseEvent) {
        if event.kind == .release { mouseButton = nil; return }
        // ncurses keeps only the latest of a burst of events: a drag may come without its press.
        let joined = event.kind == .drag && mouseButton != nil
        if event.kind == .press { mouseButton = event.button }
        let button = mouseButton ?? (brush?.mode == .erase ? .right : .left)
        mouseButton = button
        guard let layout, let point = layout.pixel(of: .mask, row: event.row, column: event.column, resolution: resolution, drawn: maskPaneDrawn)
        else { return }
        let mode: MaskBrush.Mode = button == .left ? .paint : .erase
        if brush == nil { startBrush(mode, at: point) }
        let start = joined ? (brush!.x, brush!.y) : point
        brush = MaskBrush(mode: mode, x: point.x, y: point.y, radius: brush!.radius)
        paint(from: start)
    }
}
