import FaceID
import Foundation
import Tensors

/// dnr's outputs on fixed inputs, for the PyTorch mirror's parity tests (python/tests): the IPC
/// (output and features), the UNet at t ∈ {1, 400, 999}, the mask branch (the folder's, and a
/// seeded sub-branch whose weights are written too), the mask objective on a fixed batch, and the
/// recognizer's descriptors and the gradient of a fixed projection of them with respect to the input.
public enum MirrorReference {
    public static func tensors(models folder: String, recognizer: FaceRecognizer, seed: UInt64 = 2026) throws -> [(name: String, tensor: Tensor)] {
        var g = SeededGenerator(seed: seed)
        func image(_ n: Int, _ c: Int = 3, _ r: Int) -> Tensor {
            withoutGradients { Variable(Tensor(randomNormal: [n, c, r, r], standardDeviation: 0.6, generator: &g)).tanh() }.value
        }
        let ipc = try ModelStore.loadConditioner(from: folder)
        let unet = try ModelStore.loadUNet(from: folder)
        let r = ipc.configuration.resolution
        var out: [(name: String, tensor: Tensor)] = []

        let x = image(2, 3, r)
        let (conditioned, features) = withoutGradients { ipc.withFeatures(Variable(x)) }
        out += [("ipc.input", x), ("ipc.output", conditioned.value), ("ipc.features", features.value)]

        let unetInput = Tensor(randomNormal: [3, unet.configuration.inputChannels, r, r], generator: &g)
        let timesteps: [Float] = [1, 400, 999]
        let predicted = withoutGradients { unet(Variable(unetInput), timesteps: timesteps) }
        out += [("unet.input", unetInput), ("unet.timesteps", Tensor(shape: [3], scalars: timesteps)), ("unet.output", predicted.value)]

        let proxy = Tensor(shape: [2, 1, r, r], scalars: (0..<(2 * r * r)).map { _ in Float(g.next() % 2) })
        out += [("mask.x", x), ("mask.proxy", proxy)]
        if let mask = try ModelStore.loadMask(from: folder) {
            let p = withoutGradients { mask.probabilities(Variable(x), proxy: Variable(proxy), features: mask.configuration.architecture == .subBranch ? features : nil) }
            out.append(("mask.probabilities", p.value))
        }
        let sub = MaskBranch(.subBranch(of: ipc.configuration), seed: seed)
        for p in sub.parameters { p.assign(p.value + Tensor(randomNormal: p.value.shape, standardDeviation: 0.05, generator: &g)) }
        let subProbabilities = withoutGradients { sub.probabilities(Variable(x), proxy: Variable(proxy), features: features) }
        out += sub.namedParameters.map { ("masksub.weights.\($0.name)", $0.variable.value) }
        out.append(("masksub.probabilities", subProbabilities.value))
        var noiseGenerator = SeededGenerator(seed: seed, stream: "decision noise")  // g's later draws stay as they were
        let grid = sub.decisionGrid(resolution: r)
        let decisionNoise = MaskBranch.logisticNoise(shape: [x.shape[0], 1, grid, grid], generator: &noiseGenerator)
        let noisedProbabilities = withoutGradients { sub.probabilities(Variable(x), proxy: Variable(proxy), features: features, decisionNoise: decisionNoise) }
        out += [("masksub.decision_noise", decisionNoise), ("masksub.probabilities_noised", noisedProbabilities.value)]

        // The mask objective (MaskTrainer: the guided update with M, ŷ_{0,t} again, identity loss plus
        // the face-perceptual distance) with the folder's mask on a fixed batch, timesteps and noise:
        // around y_0, around g(x), and around g(x) with ε̂ re-evaluated after a uniform update.
        if let mask = try ModelStore.loadMask(from: folder) {
            let batch = TrainingBatch(clean: image(2, 3, r), degraded: image(2, 3, r))
            let noise = Tensor(randomNormal: batch.clean.shape, generator: &g)
            let trainer = MaskTrainer(network: mask, unet: unet, conditioner: ipc, recognizer: recognizer, coverageWeight: 0, updateScale: 10,
                                      noised: .clean)
            let (objective, coverage) = trainer.evaluate(batch, timesteps: [50, 300], noise: noise)
            trainer.noised = .conditioned
            trainer.coverageWeight = 0.5
            let (aroundConditioned, _) = trainer.evaluate(batch, timesteps: [50, 300], noise: noise)
            trainer.reevaluatesNoise = true  // with M ≡ 1: the folder's M may mark nothing on these random images
            let reevaluated = trainer.compareMasks(batch, timesteps: [50, 300], noise: noise).first { $0.name == "objective_uniform" }!.value
            out += [("maskobjective.clean", batch.clean), ("maskobjective.degraded", batch.degraded), ("maskobjective.noise", noise),
                    ("maskobjective.timesteps", Tensor(shape: [2], scalars: [50, 300])),
                    ("maskobjective.value", Tensor(shape: [1], scalars: [objective])),
                    ("maskobjective.value_conditioned", Tensor(shape: [1], scalars: [aroundConditioned])),
                    ("maskobjective.value_reevaluated_uniform", Tensor(shape: [1], scalars: [reevaluated])),
                    ("maskobjective.coverage", Tensor(shape: [1], scalars: [coverage]))]
        }

        let faces = image(2, 3, r)
        let direction = Tensor(randomNormal: [2, FaceRecognizer.descriptorLength], generator: &g)
        let (descriptors, gradient) = withGradients {
            let input = Variable(faces, requiresGradient: true)
            let d = recognizer.descriptors(input)
            (d * Variable(direction)).sum().backward()
            return (d.value, input.gradient!)
        }
        out += [("recognizer.input", faces), ("recognizer.descriptors", descriptors), ("recognizer.direction", direction),
                ("recognizer.gradient", gradient)]
        return out
    }

    /// Writes the tensors (f32) with the sub-branch's configuration in the metadata.
    public static func write(models folder: String, recognizer: FaceRecognizer, to path: String) throws {
        let ipc = try ModelStore.loadConditioner(from: folder)
        let config = String(decoding: try JSONEncoder().encode(MaskConfiguration.subBranch(of: ipc.configuration)), as: UTF8.self)
        try Safetensors.write(try tensors(models: folder, recognizer: recognizer), metadata: ["masksub.config": config], to: path)
    }
}
