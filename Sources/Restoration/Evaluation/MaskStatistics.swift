import Imaging
import Tensors

/// How a {0, 1} mask lies on a face: the share of pixels it marks and how many separate regions
/// (8-connected) they form. Whole facial parts give a few regions; speckle gives many.
public struct MaskStatistics: Equatable, Sendable {
    public var coverage: Double
    public var regions: Int

    public init(coverage: Double, regions: Int) {
        self.coverage = coverage
        self.regions = regions
    }

    /// The statistics of the first mask of `mask` ([N, 1, R, R]).
    public init(_ mask: Tensor) {
        let (h, w) = (mask.shape[2], mask.shape[3])
        let marked = (0..<(h * w)).map { mask.scalars[$0] > 0.5 }
        coverage = Double(marked.filter { $0 }.count) / Double(h * w)
        var seen = [Bool](repeating: false, count: h * w)
        var regions = 0
        for start in 0..<(h * w) where marked[start] && !seen[start] {
            regions += 1
            seen[start] = true
            var stack = [start]
            while let p = stack.popLast() {
                let (y, x) = (p / w, p % w)
                for dy in -1...1 {
                    for dx in -1...1 {
                        let (ny, nx) = (y + dy, x + dx)
                        guard ny >= 0 && ny < h && nx >= 0 && nx < w else { continue }
                        let q = ny * w + nx
                        if marked[q] && !seen[q] { seen[q] = true; stack.append(q) }
                    }
                }
            }
        }
        self.regions = regions
    }
}

extension Evaluator {
    /// The mask Net4's masked guidance uses on `degraded` (the settings' source: M, M′, the regions or the user's).
    public func guidanceMask(of degraded: RGBImage) -> Tensor {
        guard let pipeline else { preconditionFailure("masks need the full pipeline (the mask branch reads the IPC)") }
        return pipeline.makeSampler(degraded: degraded.tensor(), settings: samplerSettings, userMask: userMask).mask(of: samplerSettings.maskSource)
    }

    /// The masks masked guidance could use on `degraded` (learned M, M′ at `delta`, the facial regions),
    /// with g(x), for mask statistics and sheets.
    public func masks(of degraded: RGBImage, delta: Float) -> (conditioned: Tensor, masks: [(MaskSource, Tensor)]) {
        guard let pipeline else { preconditionFailure("masks need the full pipeline (the mask branch reads the IPC)") }
        var settings = samplerSettings
        settings.delta = delta
        let sampler = pipeline.makeSampler(degraded: degraded.tensor(), settings: settings)
        return (sampler.conditioned, [MaskSource.learned, .proxy, .regions].map { ($0, sampler.mask(of: $0)) })
    }
}
