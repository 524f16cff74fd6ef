import Imaging
import Restoration
import Tensors

/// What the screen shows, published by the sampler's worker after every change (immutable, so
/// the UI thread reads it without touching the session).
struct ExplorerView: Sendable {
    struct Row: Sendable {
        var mode: GuidanceMode
        var step = 0, stepCount = 0, timestep = 0
        var predictedStart: RGBImage?, current: RGBImage?
        var identityLoss: Float?, gradientNorm: Float = 0, ids: Float?
        var idsHistory: [Float] = [], lossHistory: [Float] = []
        /// The face-perceptual distance of ŷ0,t to the ground truth, step by step (empty without one).
        var perceptualHistory: [Float] = []
        var milliseconds = 0.0
        /// This step's guidance update on y (signed heat map) and its largest magnitude; |ŷ0,t − g(x)|.
        var shift: RGBImage?, shiftLargest: Float = 0
        var distance: RGBImage?
        /// Compare mode, guided rows: |ŷ0,t − ŷ0,t of the unguided row| (its largest value on the [0, 1]
        /// scale) and the numbers of `GuidanceEffect`.
        var change: RGBImage?, changeLargest: Float = 0
        var effect: GuidanceEffect?
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

extension ExplorerView {
    /// The view of `s` as it stands (the worker makes it; the UI only reads it).
    init(_ s: ExplorerSession) {
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
                r.effect = s.guidanceEffect(of: row)
                if r.effect != nil, let unguided = s.unguidedRow?.latest {
                    (r.change, r.changeLargest) = HeatMap.magnitude((state.predictedStart - unguided.predictedStart).map { abs($0) / 2 })
                }
            }
            r.idsHistory = row.history.map(\.ids)
            r.ids = r.idsHistory.last
            r.lossHistory = row.history.compactMap(\.identityLoss)
            r.perceptualHistory = row.history.compactMap(\.perceptual)
            return r
        }
        self.init(degraded: RGBImage(tensor: s.degraded).clamped(), conditioned: RGBImage(tensor: s.conditioned).clamped(),
                  proxyMask: RGBImage(mask: s.proxyMask), truth: s.truth.map { RGBImage(tensor: $0).clamped() }, chosenMask: s.chosenMask,
                  rows: rows, settings: s.settings, coverage: s.proxyCoverage, compare: s.compare, finished: s.isFinished)
    }
}
