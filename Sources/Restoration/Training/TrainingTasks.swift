import FaceID
import Foundation
import Imaging
import Tensors

/// A network being trained, as the training loop sees it.
public protocol TrainingTask: AnyObject {
    var kind: String { get }
    var module: Module { get }
    var optimizer: Adam { get }
    var average: ExponentialMovingAverage? { get }
    var configurationJSON: String { get }
    /// One optimisation step; the named loss terms, the total first.
    func trainStep(_ batch: TrainingBatch, generator: inout SeededGenerator) -> [(name: String, value: Float)]
    /// Sample-grid rows (input / output / ground truth) for a fixed batch.
    func sampleRows(_ batch: TrainingBatch) -> [[RGBImage]]
    /// Named losses on a fixed batch with fixed noise and timesteps: unlike the training loss, they
    /// compare from one call to the next. The same batch is passed every time.
    func validate(_ batch: TrainingBatch) -> [(name: String, value: Float)]
    /// Whether a configuration saved as JSON (perhaps by an older dnr) describes this network.
    func hasConfiguration(_ json: String) -> Bool
}

extension TrainingTask {
    /// The IPC and the denoiser keep an average of their weights; the mask branch does not.
    public var average: ExponentialMovingAverage? { nil }
    public func validate(_ batch: TrainingBatch) -> [(name: String, value: Float)] { [] }
}

/// Whether `json` decodes to `configuration` (files written before a field existed decode with its default).
func describes<C: Decodable & Equatable>(_ json: String, _ configuration: C) -> Bool {
    (try? JSONDecoder().decode(C.self, from: Data(json.utf8))) == configuration
}

/// Canonical JSON (sorted keys), so that equal configurations compare equal as text.
func json<C: Encodable>(_ value: C) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    return String(decoding: (try? encoder.encode(value)) ?? Data(), as: UTF8.self)
}

public final class ConditionerTask: TrainingTask {
    public let trainer: ConditionerTrainer
    public init(_ trainer: ConditionerTrainer) { self.trainer = trainer }
    public var kind: String { "ipc" }
    public var module: Module { trainer.network }
    public var optimizer: Adam { trainer.optimizer }
    public var configurationJSON: String { json(trainer.network.configuration) }
    public func hasConfiguration(_ json: String) -> Bool { describes(json, trainer.network.configuration) }
    public func trainStep(_ batch: TrainingBatch, generator: inout SeededGenerator) -> [(name: String, value: Float)] {
        let (total, l1, identity) = trainer.step(batch)
        return [("loss", total), ("l1", l1), ("identity", identity)]
    }
    public func sampleRows(_ batch: TrainingBatch) -> [[RGBImage]] {
        let out = withoutGradients { trainer.network(Variable(batch.degraded)) }.value
        return rows(batch, out)
    }
    public var average: ExponentialMovingAverage? { trainer.average }
    /// The losses with the trained weights and with their average (what is exported).
    public func validate(_ batch: TrainingBatch) -> [(name: String, value: Float)] {
        func losses(_ prefix: String) -> [(name: String, value: Float)] {
            let (total, l1, identity) = trainer.evaluate(batch)
            return [(prefix + "loss", total), (prefix + "l1", l1), (prefix + "identity", identity)]
        }
        return losses("") + trainer.average.withAverage(in: trainer.network.parameters) { losses("ema_") }
    }
}

public final class DiffusionTask: TrainingTask {
    public let trainer: DiffusionTrainer
    public init(_ trainer: DiffusionTrainer) { self.trainer = trainer }
    public var kind: String { "diffusion" }
    public var module: Module { trainer.network }
    public var optimizer: Adam { trainer.optimizer }
    public var average: ExponentialMovingAverage? { trainer.average }
    public var configurationJSON: String { json(trainer.network.configuration) }
    public func hasConfiguration(_ json: String) -> Bool { describes(json, trainer.network.configuration) }
    public func trainStep(_ batch: TrainingBatch, generator: inout SeededGenerator) -> [(name: String, value: Float)] {
        [("loss", trainer.step(batch, generator: &generator))]
    }
    /// ŷ_0 predicted in one step from y_t at t = 200.
    public func sampleRows(_ batch: TrainingBatch) -> [[RGBImage]] {
        var g = SeededGenerator(seed: 0)
        let noise = Tensor(randomNormal: batch.clean.shape, generator: &g)
        let ab = trainer.schedule.alphaBar[200]
        let yt = DiffusionMath.noised(batch.clean, noise: noise, alphaBar: ab)
        let conditioned = withoutGradients { trainer.conditioner(Variable(batch.degraded)) }.value
        let epsilon = withoutGradients { trainer.network.predictNoise(Variable(yt), degraded: batch.degraded, conditioned: conditioned, timestep: 200) }.value
        return rows(batch, DiffusionMath.predictedStart(yt, noise: epsilon, alphaBar: ab))
    }
    /// The noise-prediction loss at timesteps spread evenly over 1…400 (where restoration from
    /// T′ = 400 runs) and over 1…T, with the trained weights and with their average (what is exported).
    public func validate(_ batch: TrainingBatch) -> [(name: String, value: Float)] {
        var g = SeededGenerator(seed: 0)
        let noise = Tensor(randomNormal: batch.clean.shape, generator: &g)
        func losses(_ prefix: String) -> [(name: String, value: Float)] {
            [(prefix + "t1-400", trainer.evaluate(batch, timesteps: spreadTimesteps(batch.size, upTo: 400), noise: noise)),
             (prefix + "t1-\(trainer.schedule.steps)",
              trainer.evaluate(batch, timesteps: spreadTimesteps(batch.size, upTo: trainer.schedule.steps), noise: noise))]
        }
        return losses("") + trainer.average.withAverage(in: trainer.network.parameters) { losses("ema_") }
    }
}

public final class MaskTask: TrainingTask {
    public let trainer: MaskTrainer
    public init(_ trainer: MaskTrainer) { self.trainer = trainer }
    public var kind: String { "mask" }
    public var module: Module { trainer.network }
    public var optimizer: Adam { trainer.optimizer }
    public var configurationJSON: String { json(trainer.network.configuration) }
    public func hasConfiguration(_ json: String) -> Bool { describes(json, trainer.network.configuration) }
    public func trainStep(_ batch: TrainingBatch, generator: inout SeededGenerator) -> [(name: String, value: Float)] {
        let (total, coverage) = trainer.step(batch, generator: &generator)
        return [("loss", total), ("coverage", coverage)]
    }
    /// The learned mask M beside x and g(x).
    public func sampleRows(_ batch: TrainingBatch) -> [[RGBImage]] {
        let (conditioned, features) = withoutGradients {
            let (output, features) = trainer.conditioner.withFeatures(Variable(batch.degraded))
            return (output.value, features)
        }
        let proxy = proxyMask(conditioned: conditioned, degraded: batch.degraded, delta: trainer.delta)
        let mask = withoutGradients { trainer.network(Variable(batch.degraded), proxy: Variable(proxy), features: features) }.value
        let masks = Tensor.concatenate([mask, mask, mask], axis: 1).map { $0 * 2 - 1 }
        return rows(batch, conditioned) .enumerated().map { i, row in row + [image(masks, i)] }
    }
    /// The objective with the learned M beside the masks it should beat: M′ (its input), no
    /// guidance and uniform guidance; plus the learned mask's coverage.
    public func validate(_ batch: TrainingBatch) -> [(name: String, value: Float)] {
        var g = SeededGenerator(seed: 0)
        let noise = Tensor(randomNormal: batch.clean.shape, generator: &g)
        return trainer.compareMasks(batch, timesteps: spreadTimesteps(batch.size, upTo: trainer.maxTimestep), noise: noise)
    }
}

/// `count` timesteps spread evenly over 1…limit (the midpoints of equal bins), for validation.
func spreadTimesteps(_ count: Int, upTo limit: Int) -> [Int] {
    (0..<count).map { 1 + (2 * $0 + 1) * (limit - 1) / (2 * count) }
}

func image(_ batch: Tensor, _ index: Int) -> RGBImage {
    RGBImage(tensor: batch.slice(axis: 0, index..<(index + 1))).clamped()
}

/// input / output / ground truth, one row per sample.
func rows(_ batch: TrainingBatch, _ output: Tensor) -> [[RGBImage]] {
    (0..<batch.size).map { [image(batch.degraded, $0), image(output, $0), image(batch.clean, $0)] }
}
