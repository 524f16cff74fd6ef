import FaceFinding
import FileIO
import Dispatch
import Foundation
import Imaging
import Restoration
import Synchronization
import Tensors

/// The sampler's side of the explorer: one task owns the session and runs the UI's commands in the
/// order they were sent, one sampler step per turn while playing (so a command waits at most one
/// step), and publishes a new view after each. The UI never touches the session; it reads views.
final class SamplerWorker: Sendable {
    enum Command: Sendable {
        /// Knob values (δ, s, mode, mask source apply from the next step; T′, K, seed restart).
        case apply(SamplerSettings)
        case step, togglePlay, play, pause, restart, toggleCompare
        /// Opens the sample this many places away.
        case sample(Int)
        case snapshot(folder: String)
        /// The user's mask, painted in the UI, replaces the one masked guidance uses.
        case setUserMask(Tensor)
        /// Writes a mask as mask-N.png in the folder (the first N not taken).
        case saveMask(Tensor, folder: String)
        /// The next step while playing (the worker sends it to itself).
        case pump
    }

    /// The latest view and how many have been published (the UI redraws when the count moves).
    private let board: Mutex<(view: ExplorerView, version: Int)>
    private let inbox: AsyncStream<(Command, key: Int)>.Continuation
    /// Set by `stop`: commands still queued are dropped; signalled when the task has ended.
    private let stopping = Atomic<Bool>(false)
    private let stopped = DispatchSemaphore(value: 0)

    /// Starts the worker on the first sample (already read: its degraded image and ground truth); the
    /// pipeline belongs to the worker from now on.
    init(pipeline: sending RestorationPipeline, first: (degraded: RGBImage, truth: RGBImage?), samples: [ExplorerSample],
         settings: SamplerSettings, userMask: Tensor?) {
        let session = ExplorerSession(pipeline: pipeline, degraded: first.degraded, truth: first.truth, settings: settings, userMask: userMask)
        let title = WorkerState.title(samples, 0)
        var first = ExplorerView(session)
        first.title = title
        board = Mutex((first, 0))
        let (stream, inbox) = AsyncStream.makeStream(of: (Command, key: Int).self)
        self.inbox = inbox
        Task.detached { [self] in
            var state = WorkerState(session: session, pipeline: pipeline, samples: samples, title: title, userMask: userMask)
            for await (command, key) in stream {
                if stopping.load(ordering: .relaxed) { break }
                let message = state.run(command) { inbox.yield((.pump, key)) }
                guard let message else { continue }  // a pump while paused: nothing changed
                var view = ExplorerView(state.session)
                view.message = message
                view.title = state.title
                view.answeredKey = key
                board.withLock { $0 = (view, $0.version + 1) }
            }
            stopped.signal()
        }
    }

    /// Queues `command` as the answer to key number `key`.
    func send(_ command: Command, key: Int) { inbox.yield((command, key)) }

    /// Ends the worker after the command in flight (at most one step; the UI has already restored the
    /// terminal) and waits for it: leaving the process while a step is in OpenBLAS can hang its exit.
    func stop() {
        stopping.store(true, ordering: .relaxed)
        inbox.finish()
        _ = stopped.wait(timeout: .now() + 30)
    }

    var latest: (view: ExplorerView, version: Int) { board.withLock { $0 } }
}

/// What the worker's task owns.
private struct WorkerState {
    var session: ExplorerSession
    let pipeline: RestorationPipeline
    let samples: [ExplorerSample]
    var sampleIndex = 0
    var title: String
    /// The user's guidance mask for every sample (a --mask file, then as painted).
    var userMask: Tensor?
    var playing = false
    /// Per photo, the faces restored so far (the chip each was given and its latest estimate ŷ0),
    /// kept when the user moves on, so a snapshot can write the whole photo.
    var restoredFaces: [String: [Int: (input: RGBImage, restored: RGBImage)]] = [:]

    /// Keeps the current face's latest estimate (when the sample is a face of a photo and has stepped).
    mutating func rememberFace() {
        guard let face = samples[sampleIndex].face, let estimate = session.estimate else { return }
        restoredFaces[samples[sampleIndex].path, default: [:]][face.index] = (RGBImage(tensor: session.degraded), RGBImage(tensor: estimate).clamped())
    }

    /// The photo of the current face with every face restored so far pasted back, into `folder`.
    mutating func writePhoto(into folder: String) throws -> String? {
        let sample = samples[sampleIndex]
        guard sample.face != nil else { return nil }
        rememberFace()
        var photo = try ImageFile.read(sample.path)
        for (index, face) in restoredFaces[sample.path] ?? [:] {
            guard let found = samples.first(where: { $0.path == sample.path && $0.face?.index == index })?.face?.found else { continue }
            photo = PasteBack.paste(face.restored, input: face.input, placement: found.placement(size: ExplorerSample.PhotoFace.chipSize), into: photo)
        }
        let name = (sample.path.split(separator: "/").last.map(String.init) ?? "photo").split(separator: ".").dropLast().joined(separator: ".")
        let path = folder + "/" + name + "_restored.png"
        try ImageFile.write(photo, to: path)
        return path
    }

    static func title(_ samples: [ExplorerSample], _ index: Int) -> String {
        samples[index].name + (samples.count > 1 ? "  (\(index + 1)/\(samples.count))" : "")
    }

    /// Runs one command; returns the message to publish with the new view, or nil when nothing changed.
    /// `pump` queues the next step while playing.
    mutating func run(_ command: SamplerWorker.Command, pump: () -> Void) -> String? {
        switch command {
        case .apply(let settings): session.apply(settings)
        case .step: session.step(1)
        case .togglePlay: if playing { playing = false } else { play(pump) }
        case .play: play(pump)
        case .pause: playing = false
        case .pump:
            guard playing else { return nil }
            if session.step(1) == 0 { playing = false } else { pump() }
        case .restart: session.restart()
        case .toggleCompare: session.setCompare(!session.compare)
        case .sample(let offset): return switchSample(by: offset)
        case .snapshot(let folder):
            let written = (try? session.snapshot(to: folder))?.count ?? 0
            guard written > 0 else { return "snapshot failed: cannot write \(folder)" }
            guard samples[sampleIndex].face != nil else { return "saved \(written) files (panes, contact sheet, numbers) to \(folder)" }
            let photo = try? writePhoto(into: folder)
            let faces = restoredFaces[samples[sampleIndex].path]?.count ?? 0
            return "saved \(written) files to \(folder)" + (photo.map { ", and the photo with \(faces) face\(faces == 1 ? "" : "s") restored so far: \($0)" } ?? "; the photo could not be written")
        case .setUserMask(let mask):
            userMask = mask
            session.setUserMask(mask)
        case .saveMask(let mask, let folder):
            do {
                try Folder.create(folder)
                let path = (1...).lazy.map { folder + "/mask-\($0).png" }.first { pathKind($0) == .missing }!
                try ImageFile.write(RGBImage(mask: mask), to: path)
                return "saved your mask to \(path) (use it with --mask \(path))"
            } catch {
                return "cannot save the mask: \(error)"
            }
        }
        return ""
    }

    mutating func play(_ pump: () -> Void) {
        guard !playing else { return }
        playing = true
        pump()
    }

    /// Opens the sample `offset` places away (wrapping), keeping the settings and compare mode; a
    /// file that cannot be read leaves the current one open. Returns the message to show.
    mutating func switchSample(by offset: Int) -> String {
        guard samples.count > 1 else { return "one sample only: give dnr explore several images or a folder" }
        let index = ((sampleIndex + offset) % samples.count + samples.count) % samples.count
        rememberFace()
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
}
