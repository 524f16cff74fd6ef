import Dispatch
import FileIO
import Foundation
import Imaging
import Restoration
import Tensors

/// What the screen shows, published by the sampler's worker after every change (immutable, so
/// the UI thread reads it without touching the session).
struct ExplorerView {
    struct Row {
        var mode: GuidanceMode
        var step = 0, stepCount = 0, timestep = 0
        var predictedStart: RGBImage?, current: RGBImage?
        var identityLoss: Float?, gradientNorm: Float = 0, ids: Float?
        var idsHistory: [Float] = [], lossHistory: [Float] = []
        var milliseconds = 0.0
        /// This step's guidance update on y (signed heat map) and its largest magnitude; |ŷ0,t − g(x)|.
        var shift: RGBImage?, shiftLargest: Float = 0
        var distance: RGBImage?
    }
    var degraded: RGBImage, conditioned: RGBImage, proxyMask: RGBImage, truth: RGBImage?
    /// The mask masked guidance uses now ([1, 1, R, R]).
    var chosenMask: Tensor
    var rows: [Row]
    var settings: SamplerSettings
    var coverage: Float
    var compare: Bool
    var finished: Bool
    var message = ""
    var title = ""
    /// The last key whose effect this view shows.
    var answeredKey = 0
    /// The settings shown are a knob key's, not yet applied by the worker.
    var applying = false
}

/// `dnr explore`: the key loop on the main thread, the sampler on a worker queue. The session is
/// touched only on the worker; the UI reads the published view under the lock (hence unchecked).
public final class ExplorerApp: @unchecked Sendable {
    var session: ExplorerSession  // worker-side
    let pipeline: RestorationPipeline
    let samples: [ExplorerSample]
    var sampleIndex = 0  // worker-side
    let worker = DispatchQueue(label: "dnr.explorer.sampler")
    let lock = NSLock()
    var view: ExplorerView
    var version = 0
    var playing = false  // worker-side
    let display: ExplorerDisplay
    var title: String  // worker-side
    let snapshotFolder: String
    var showHelp = false
    var showGuidancePanes = false  // UI-side: the update and |ŷ0,t − g(x)| beside each row
    /// UI-side: settings a knob key asked for that the worker has not published yet (and that key).
    var pending: (key: Int, settings: SamplerSettings)?
    var lastLayout = ""
    var sentImages: [String: UInt64] = [:]  // UI-side: pane place → fingerprint of the image last sent there
    var sixelCache: [String: [UInt8]] = [:]  // UI-side: fingerprint and pixel size → sixel bytes
    var keyCount = 0  // UI-side: keys handled so far
    var answeredKey = 0  // worker-side: the last key whose change is published
    /// Key-to-redraw latencies (key, milliseconds), kept when `latencyLog` is set and written on quit.
    public var latencyLog: String?
    /// (key, "ack" when the screen first shows the key's answer or "applied" when the images do, milliseconds).
    var latencies: [(Character, String, Double)] = []

    /// Worker-side: the user's guidance mask ([1, 1, R, R]) for every sample (a --mask file, then as painted).
    var userMask: Tensor?
    /// UI-side: the brush while it is on; the user's mask as the UI last painted it; the last layout
    /// drawn and the cells the mask pane's image covers (for the mouse); the mouse button held.
    var brush: MaskBrush?
    var painted: Tensor?
    var layout: ExplorerLayout?
    var maskPaneDrawn = (columns: 0, rows: 0)
    var mouseButton: MouseEvent.Button?
    /// UI-side: a message the UI itself shows until the next key (the worker's messages come with its views).
    var notice: String?

    /// Opens the first of `samples` (at least one) with `settings`.
    public init(pipeline: RestorationPipeline, samples: [ExplorerSample], settings: SamplerSettings, display: ExplorerDisplay,
                snapshotFolder: String, userMask: Tensor? = nil) throws {
        self.userMask = userMask
        painted = userMask
        precondition(!samples.isEmpty, "the explorer needs a sample")
        self.pipeline = pipeline
        self.samples = samples
        self.display = display
        self.snapshotFolder = snapshotFolder
        let (degraded, truth) = try samples[0].load()
        session = ExplorerSession(pipeline: pipeline, degraded: degraded, truth: truth, settings: settings, userMask: userMask)
        title = Self.title(samples, 0)
        view = Self.makeView(session)
        view.title = title
    }

    static func title(_ samples: [ExplorerSample], _ index: Int) -> String {
        samples[index].path + (samples.count > 1 ? "  (\(index + 1)/\(samples.count))" : "")
    }

    /// Opens the sample `offset` places away (wrapping), keeping the settings and compare mode; a
    /// file that cannot be read leaves the current one open. Returns the message to show.
    func switchSample(by offset: Int) -> String {
        guard samples.count > 1 else { return "one sample only: give dnr explore several images or a folder" }
        let index = ((sampleIndex + offset) % samples.count + samples.count) % samples.count
        do {
            let (degraded, truth) = try samples[index].load()
            let next = ExplorerSession(pipeline: pipeline, degraded: degraded, truth: truth, settings: session.settings, userMask: userMask)
            if session.compare { next.setCompare(true) }
            session = next
            sampleIndex = index
            title = Self.title(samples, index)
            return ""
        } catch {
            return "cannot open \(samples[index].path): \(error)"
        }
    }

    /// A {0, 1} mask [1, 1, R, R] as a black-and-white image.
    static func maskImage(_ m: Tensor) -> RGBImage { RGBImage(tensor: Tensor.concatenate([m, m, m], axis: 1).map { $0 * 2 - 1 }) }

    static func makeView(_ s: ExplorerSession) -> ExplorerView {
        let rows = s.rows.map { row -> ExplorerView.Row in
            var r = ExplorerView.Row(mode: row.mode)
            r.stepCount = row.sampler.plan.count
            if let state = row.latest {
                r.step = state.step
                r.timestep = state.timestep
                r.predictedStart = RGBImage(tensor: state.predictedStart).clamped()
                r.current = RGBImage(tensor: state.current).clamped()
                r.identityLoss = state.identityLoss
                r.gradientNorm = state.gradientNorm
                r.milliseconds = state.modelMilliseconds + state.guidanceMilliseconds
                if let shift = state.guidanceShift { (r.shift, r.shiftLargest) = HeatMap.signed(shift) }
                // On the [0, 1] scale (images are in [−1, 1]), ×4 so that small departures show.
                r.distance = HeatMap.magnitude((state.predictedStart - s.conditioned).map(abs), gain: 2)
            }
            r.idsHistory = row.history.map(\.ids)
            r.ids = r.idsHistory.last
            r.lossHistory = row.history.compactMap(\.identityLoss)
            return r
        }
        return ExplorerView(degraded: RGBImage(tensor: s.degraded).clamped(), conditioned: RGBImage(tensor: s.conditioned).clamped(),
                            proxyMask: maskImage(s.proxyMask), truth: s.truth.map { RGBImage(tensor: $0).clamped() }, chosenMask: s.chosenMask,
                            rows: rows, settings: s.settings, coverage: s.proxyCoverage, compare: s.compare, finished: s.isFinished)
    }

    /// Runs `change` on the worker (after a step in flight), then publishes the new view.
    func send(_ change: @escaping @Sendable (ExplorerSession) -> Void) {
        sendToApp { app in change(app.session); return "" }
    }

    /// Runs `work` on the worker (it may replace the session), then publishes the new view, with the
    /// message `work` returns, as the answer to the key being handled.
    func sendToApp(_ work: @escaping @Sendable (ExplorerApp) -> String) {
        let key = keyCount
        worker.async { [self] in
            let message = work(self)
            answeredKey = key
            publish(message: message)
        }
    }

    func publish(message: String = "") {
        var v = Self.makeView(session)
        v.message = message
        v.title = title
        v.answeredKey = answeredKey
        lock.lock()
        view = v
        version += 1
        lock.unlock()
    }

    /// Steps while playing: one step per turn of the worker, so commands interleave with steps.
    func pump() {
        worker.async { [self] in
            guard playing else { return }
            if session.step(1) == 0 { playing = false }
            publish()
            pump()
        }
    }

    public func run(screen: TerminalScreen) throws {
        try screen.start()
        screen.apply(display.theme)
        defer { screen.stop() }
        var drawn = -1
        var waiting: [(key: Int, character: Character, since: Double, acknowledged: Bool)] = []
        var answeredOnScreen = 0  // keys the UI answers itself (help, panes) are applied by the next frame
        while !screen.shouldQuit {
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
            lock.lock()
            var (v, current) = (view, version)
            lock.unlock()
            if let p = pending {
                if v.answeredKey >= p.key { pending = nil } else { v.settings = p.settings; v.applying = true }
            }
            if current != drawn {
                draw(v, on: screen)
                drawn = current
                // Keys the UI answers at once are acknowledged now; the images follow when the worker applied them.
                let applied = max(v.answeredKey, answeredOnScreen), now = monotonicSeconds()
                for i in waiting.indices where !waiting[i].acknowledged {
                    latencies.append((waiting[i].character, "ack", (now - waiting[i].since) * 1000))
                    waiting[i].acknowledged = true
                }
                for w in waiting where w.key <= applied { latencies.append((w.character, "applied", (now - w.since) * 1000)) }
                waiting.removeAll { $0.key <= applied }
            }
        }
        // Quit is immediate: the terminal is restored first, then the step in flight (if any) ends.
        screen.stop()
        worker.sync { playing = false }
        if let latencyLog {
            let text = latencies.map { "\($0.0)\t\($0.1)\t\(String(format: "%.2f", $0.2))\n" }.joined()
            try? AtomicFile.write(Array(text.utf8), to: latencyLog)
        }
    }

    /// Handles one key through the key table; false to quit.
    func handle(_ key: Int32) -> Bool {
        guard let scalar = UnicodeScalar(UInt32(max(key, 0))), let action = KeyBindings.action(for: Character(scalar)) else { return true }
        lock.lock()
        let published = view.settings
        lock.unlock()
        if let next = action.settings(after: pending?.settings ?? published, hasUserMask: painted != nil) {
            // Shown at once; the worker applies the same settings after the step in flight.
            pending = (keyCount, next)
            send { $0.apply(next) }
            return true
        }
        switch action {
        case .quit: return false
        case .toggleHelp:
            showHelp.toggle()
            if showHelp { sendToApp { app in app.playing = false; return "" } }  // reading the help pauses the run
        case .playPause: sendToApp { app in app.playing.toggle(); app.pump(); return "" }
        // One step per turn of the worker, so that quit, pause and knob keys land between any two steps.
        case .step(let count): for _ in 0..<count { send { $0.step(1) } }
        case .runToEnd: sendToApp { app in app.playing = true; app.pump(); return "" }
        case .restart: send { $0.restart() }
        case .nextSeed, .delta, .startStep, .scale, .cycleMode, .cycleMaskSource: break  // knob changes, handled above
        case .toggleCompare: send { $0.setCompare(!$0.compare) }
        case .toggleGuidancePanes: showGuidancePanes.toggle()
        case .sample(let offset): sendToApp { $0.switchSample(by: offset) }
        case .cycleBrush:
            switch brush?.mode {
            case nil: startBrush(.paint, at: nil)
            case .paint: brush?.mode = .erase
            case .erase: brush = nil
            }
        case .moveBrush(let dx, let dy, let painting):
            guard let b = brush else { notice = "b turns the brush on"; break }
            let step = max(pipeline.resolution / 32, 1)
            brush = b.moved(dx: dx * step, dy: dy * step, resolution: pipeline.resolution)
            if painting { paint(from: (b.x, b.y)) }
        case .brushSize(let change):
            guard let b = brush else { notice = "b turns the brush on"; break }
            brush = b.resized(by: change)
        case .clearMask:
            painted = Tensor(zeros: [1, 1, pipeline.resolution, pipeline.resolution])
            commitPainted()
        case .saveMask:
            guard let mask = painted else { notice = "no mask of yours to save: b paints one"; break }
            let folder = snapshotFolder
            sendToApp { _ in
                do {
                    try Folder.create(folder)
                    // mask-1.png, mask-2.png, …: the first name not taken.
                    let path = (1...).lazy.map { folder + "/mask-\($0).png" }.first { pathKind($0) == .missing }!
                    try ImageFile.write(Self.maskImage(mask), to: path)
                    return "saved your mask to \(path) (use it with --mask \(path))"
                } catch {
                    return "cannot save the mask: \(error)"
                }
            }
        case .snapshot:
            let folder = snapshotFolder + "/snapshot-\(Int(Date().timeIntervalSince1970))"
            sendToApp { app in
                let written = (try? app.session.snapshot(to: folder))?.count ?? 0
                return written > 0 ? "saved \(written) files (panes, contact sheet, numbers) to \(folder)" : "snapshot failed: cannot write \(folder)"
            }
        }
        return true
    }

    // MARK: Painting the mask (UI-side; each stroke sends the new mask to the worker)

    /// Turns the brush on at `point` (the mask's centre when nil); the painting starts from the mask in use.
    func startBrush(_ mode: MaskBrush.Mode, at point: (x: Int, y: Int)?) {
        let r = pipeline.resolution
        if painted == nil {
            lock.lock()
            painted = view.chosenMask
            lock.unlock()
        }
        brush = MaskBrush(mode: mode, x: point?.x ?? r / 2, y: point?.y ?? r / 2, radius: brush?.radius ?? 3)
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
        lock.lock()
        let published = view
        lock.unlock()
        var next = pending?.settings ?? published.settings
        next.maskSource = .user
        if !published.compare { next.guidance = .masked }
        pending = (keyCount, next)
        let settings = next
        send { session in
            session.setUserMask(mask)
            session.apply(settings)
        }
        worker.async { [self] in userMask = mask }
    }

    /// The left button paints and the right erases, on the mask pane; a drag paints along its way.
    func handleMouse(_ event: MouseEvent) {
        if event.kind == .release { mouseButton = nil; return }
        // ncurses keeps only the latest of a burst of events: a drag may come without its press.
        let joined = event.kind == .drag && mouseButton != nil
        if event.kind == .press { mouseButton = event.button }
        let button = mouseButton ?? (brush?.mode == .erase ? .right : .left)
        mouseButton = button
        guard let layout, let point = layout.pixel(of: .mask, row: event.row, column: event.column, resolution: pipeline.resolution, drawn: maskPaneDrawn)
        else { return }
        let mode: MaskBrush.Mode = button == .left ? .paint : .erase
        if brush == nil { startBrush(mode, at: point) }
        let start = joined ? (brush!.x, brush!.y) : point
        brush = MaskBrush(mode: mode, x: point.x, y: point.y, radius: brush!.radius)
        paint(from: start)
    }
}
