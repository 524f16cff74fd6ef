import Foundation
import Testing
@testable import Restoration
import Tensors
import TestSupport
import FileIO

@Suite struct NetworkTests {
    @Test func defaultSizesFitTheBudgets() {
        let unet = ConditionalUNet(.restorationDefault)
        #expect(unet.parameterCount <= 15_000_000)
        let (_, flops) = FLOPCounter.counting {
            withoutGradients { unet(Variable(Tensor(zeros: [1, 9, 64, 64])), timesteps: [10]) }
        }
        #expect(flops <= 5_000_000_000, "\(flops) FLOP is more than 2.5 GMAC")  // 2 FLOP per multiply-add
        #expect((2_000_000...6_000_000).contains(IdentityPreservingConditioner(.standard).parameterCount))
        #expect(MaskBranch(.standard).parameterCount <= 300_000)
    }

    @Test func conditionerStartsAsTheIdentity() {
        let x = image(seed: 30, size: 16)
        let ipc = IdentityPreservingConditioner(ConditionerConfiguration(resolution: 16, width: 8, blocks: 2))
        #expect(withoutGradients { ipc(Variable(x)) }.value.maxAbsDifference(x) == 0)
    }

    @Test func unetConditionerStartsAsTheIdentityAndSeesTheWholeFace() {
        let x = image(seed: 33, size: 32)
        let ipc = IdentityPreservingConditioner(.unet(resolution: 32, widths: [4, 8, 8, 8], blocks: 1), seed: 2)
        #expect(withoutGradients { ipc(Variable(x)) }.value.maxAbsDifference(x) == 0)
        // With every layer non-zero, one corner pixel of x reaches the opposite corner of g(x).
        var g = SeededGenerator(seed: 3)
        for p in ipc.parameters { p.assign(Tensor(randomUniform: p.shape, in: -0.3...0.3, generator: &g)) }
        var moved = x
        moved.scalars[0] += 1
        let before = withoutGradients { ipc(Variable(x)) }.value, after = withoutGradients { ipc(Variable(moved)) }.value
        let farCorner = 32 * 32 - 1
        #expect(abs(after.scalars[farCorner] - before.scalars[farCorner]) > 0)
        #expect(ipc.withFeatures(Variable(x)).features.shape == [1, 4, 32, 32])
    }

    @Test func conditionerConfigurationsRoundTripAndOldFilesStillDecode() throws {
        let old = try JSONDecoder().decode(ConditionerConfiguration.self, from: Data(#"{"blocks":8,"resolution":64,"width":64}"#.utf8))
        #expect(old == .firstResidual && old.architecture == .residual)
        for configuration in [ConditionerConfiguration.standard, .firstResidual] {
            let text = try JSONEncoder().encode(configuration)
            #expect(try JSONDecoder().decode(ConditionerConfiguration.self, from: text) == configuration)
        }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(ConditionerConfiguration.self, from: Data(#"{"architecture":"unet","blocks":1,"resolution":20,"widths":[8,8,8,8]}"#.utf8))
        }
    }

    @Test func theFirstIPCsWeightsStillLoad() throws {
        // Saved in the first IPC's format: no "architecture", one "width", the trunk's names.
        let folder = NSTemporaryDirectory() + "dnr-old-ipc-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let first = IdentityPreservingConditioner(ConditionerConfiguration(resolution: 16, width: 8, blocks: 2), seed: 4)
        try Safetensors.write(first.parameterTensors, metadata: ["config": #"{"blocks":2,"resolution":16,"width":8}"#],
                              to: folder + "/" + ModelStore.conditionerFile)
        #expect(first.namedParameters.map(\.name).contains("trunk.1.0.weight"))
        let loaded = try ModelStore.loadConditioner(from: folder)
        #expect(loaded.configuration.architecture == .residual && loaded.parameterCount == first.parameterCount)
    }

    @Test func maskSubBranchReadsTheIPCFeaturesAndOldMaskFilesDecode() throws {
        let ipc = IdentityPreservingConditioner(.unet(resolution: 16, widths: [4, 8], blocks: 1), seed: 5)
        let branch = MaskBranch(.subBranch(of: ipc.configuration, width: 6), seed: 6)
        let x = Variable(image(seed: 34, size: 16)), proxy = Variable(Tensor(repeating: 1, shape: [1, 1, 16, 16]))
        let features = ipc.withFeatures(x).features
        // It starts undecided (p = ½); with its last layer trained, it answers to the features and to M′,
        // and decides on a 4 × 4 grid: the logits along a row are the grid's values blended linearly,
        // so their second difference vanishes between neighbouring cell centres.
        #expect(withoutGradients { branch.probabilities(x, proxy: proxy, features: features) }.value.scalars.allSatisfy { $0 == 0.5 })
        var g = SeededGenerator(seed: 7)
        branch.conv4!.weight.assign(Tensor(randomUniform: branch.conv4!.weight.shape, in: -0.3...0.3, generator: &g))
        let p = withoutGradients { branch.probabilities(x, proxy: proxy, features: features) }.value
        let other = withoutGradients { branch.probabilities(x, proxy: proxy, features: features * 3) }.value
        let noProxy = withoutGradients { branch.probabilities(x, proxy: proxy * 0, features: features) }.value
        #expect(p.shape == [1, 1, 16, 16] && p.maxAbsDifference(other) > 1e-4 && p.maxAbsDifference(noProxy) > 1e-4)
        let logit = p.scalars.map { log($0 / (1 - $0)) }
        for row in 0..<16 {
            for column in [3, 7, 11] {  // pixels 2…5 lie between grid centres 1.5 and 5.5 (one linear piece)
                let i = row * 16 + column
                #expect(abs(logit[i - 1] - 2 * logit[i] + logit[i + 1]) < 1e-4)
            }
        }
        let old = try JSONDecoder().decode(MaskConfiguration.self, from: Data(#"{"width":24}"#.utf8))
        #expect(old == .standard && old.architecture == .standalone)
        let saved = try JSONEncoder().encode(branch.configuration)
        #expect(try JSONDecoder().decode(MaskConfiguration.self, from: saved) == branch.configuration)
    }

    /// Every parameter of every network has its own name, and saving then loading strictly into a
    /// network built with another seed reproduces it exactly.
    /// The fuzzer's entry to the weight loaders: the shipped files pass, a file with an extra tensor
    /// (strict loading) or a damaged configuration does not.
    @Test func weightFileCheckAcceptsShippedFilesAndRefusesBadOnes() throws {
        for file in [ModelStore.conditionerFile, ModelStore.unetFile, ModelStore.maskFile] {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: packageRoot + "/Models/" + file)))
            try ModelStore.check(bytes)
        }
        let archive = try Safetensors.read(packageRoot + "/Models/" + ModelStore.maskFile)
        var tensors = archive.tensors.sorted { $0.key < $1.key }.map { (name: $0.key, tensor: $0.value) }
        tensors.append((name: "stray.weight", tensor: Tensor(shape: [2], scalars: [1, 2])))
        let path = try scratchFolder() + "/extra.safetensors"
        try Safetensors.write(tensors, metadata: archive.metadata, to: path)
        #expect(throws: (any Error).self) { try ModelStore.check([UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))) }
        #expect(throws: (any Error).self) { try ModelStore.check(Array("not a weights file".utf8)) }
    }

    /// The shipped mask sub-branch was trained reading the shipped IPC (its card's ipc_sha256), so a retrained IPC is
    /// never committed without its rebased mask (M moved from 30 % in 1.5 regions to 15 % in 3.4 when it was).
    @Test func theShippedMaskIsPairedWithTheShippedIPC() throws {
        let card = try ModelCard.read(ModelCard.path(besideWeights: packageRoot + "/Models/" + ModelStore.maskFile))
        let ipc = try AtomicFile.read(packageRoot + "/Models/" + ModelStore.conditionerFile)
        #expect(card.ipcSHA256 == Checksum.sha256(ipc))
        #expect(ModelStore.maskPairingNote(in: packageRoot + "/Models") == nil)
    }

    @Test func everyParameterIsNamedSavedAndLoaded() throws {
        let ipcUNet = ConditionerConfiguration.unet(resolution: 16, widths: [4, 8], blocks: 1)
        let unet = UNetConfiguration(inputChannels: 9, outputChannels: 3, resolution: 16, widths: [8, 16], blocksPerLevel: 1,
                                     attentionLevels: [1], timeFeatures: 8, timeEmbedding: 16, groups: 4)
        let builders: [(UInt64) -> Module] = [
            { IdentityPreservingConditioner(ipcUNet, seed: $0) }, { IdentityPreservingConditioner(ConditionerConfiguration(resolution: 16, width: 8, blocks: 2), seed: $0) },
            { ConditionalUNet(unet, seed: $0) }, { MaskBranch(.standard, seed: $0) }, { MaskBranch(.subBranch(of: ipcUNet, width: 6), seed: $0) },
        ]
        for build in builders {
            let a = build(1), b = build(2)
            let names = a.namedParameters.map(\.name)
            #expect(Set(names).count == names.count && names.allSatisfy { !$0.isEmpty })
            // Distinct objects: no parameter is listed twice under two names.
            #expect(Set(a.parameters.map { ObjectIdentifier($0) }).count == names.count)
            for p in b.parameters { p.assign(p.value.map { $0 + 1 }) }
            try b.load(from: SafetensorsArchive(tensors: Dictionary(uniqueKeysWithValues: a.parameterTensors.map { ($0.name, $0.tensor) })))
            for (x, y) in zip(a.parameters, b.parameters) { #expect(x.value == y.value) }
        }
    }

    /// A weights file is a stranger's file: a configuration beyond `NetworkLimits` is refused with a
    /// clear error before any tensor is allocated; every shape dnr ships is inside them.
    @Test func configurationsBeyondTheLimitsAreRefusedBeforeBuilding() throws {
        let shipped: [any CheckedConfiguration] = [UNetConfiguration.benchmarkReference, UNetConfiguration.restorationDefault,
                                                   UNetConfiguration.restorationLight, ConditionerConfiguration.standard,
                                                   ConditionerConfiguration.firstResidual, MaskConfiguration.standard,
                                                   MaskConfiguration.subBranch(of: .standard)]
        for configuration in shipped { #expect(configuration.problem == nil, "\(configuration)") }
        let folder = NSTemporaryDirectory() + "dnr-limits-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let tiny = [(name: "w", tensor: Tensor(zeros: [1]))]
        let crafted = [
            (ModelStore.unetFile, #"{"inputChannels":9,"outputChannels":3,"resolution":64,"widths":[1000000,8],"blocksPerLevel":1,"attentionLevels":[],"timeFeatures":8,"timeEmbedding":8,"groups":4}"#, "widths must be 1…512"),
            (ModelStore.conditionerFile, #"{"architecture":"unet","resolution":64,"widths":[8,16],"blocks":100000000}"#, "blocks must be 0…24"),
            (ModelStore.maskFile, #"{"architecture":"subBranch","width":8,"featureChannels":9999999}"#, "feature channels"),
        ]
        for (file, config, expected) in crafted {
            try Safetensors.write(tiny, metadata: ["config": config], to: folder + "/" + file)
            let error: String
            switch file {
            case ModelStore.unetFile: error = String(describing: #expect(throws: ModelStoreError.self) { try ModelStore.loadUNet(from: folder) }!)
            case ModelStore.conditionerFile: error = String(describing: #expect(throws: ModelStoreError.self) { try ModelStore.loadConditioner(from: folder) }!)
            default: error = String(describing: #expect(throws: ModelStoreError.self) { try ModelStore.loadMask(from: folder) }!)
            }
            #expect(error.contains(expected) && error.contains(file), "\(error)")
        }
    }

    @Test func pixelShuffleInvertsUnshuffle() {
        let x = Variable(image(seed: 31, size: 6))
        let down = x.pixelUnshuffled(factor: 2)
        #expect(down.shape == [1, 12, 3, 3])
        #expect(down.pixelShuffled(factor: 2).value == x.value)
        // Channel c·4 + 2·i + j holds pixel (2y + i, 2x + j) of channel c: channel 3, (1, 1) is pixel (3, 3) of channel 0.
        #expect(down.value.scalars[3 * 9 + 1 * 3 + 1] == x.value.scalars[3 * 6 + 3])
    }

    @Test func proxyMaskThresholdsTheLargestChannelDifference() {
        let x = Tensor(shape: [1, 3, 1, 2], scalars: [0, 0, 0, 0, 0, 0])
        let g = Tensor(shape: [1, 3, 1, 2], scalars: [0.5, 0.7, 0, 0, 0, -0.3])  // |Δ|/2: 0.25 and 0.35 at the two pixels
        #expect(proxyMask(conditioned: g, degraded: x, delta: 0.3).scalars == [0, 1])
        #expect(proxyMask(conditioned: g, degraded: x, delta: 0.2).scalars == [1, 1])
    }

    @Test func maskIsBinaryWithAStraightThroughGradient() {
        let branch = MaskBranch(.standard, seed: 1)
        let x = Variable(image(seed: 32, size: 8), requiresGradient: true)
        let proxy = Variable(Tensor(repeating: 1, shape: [1, 1, 8, 8]))
        let m = branch(x, proxy: proxy)
        #expect(m.value.scalars.allSatisfy { $0 == 0 || $0 == 1 })
        m.sum().backward()
        #expect(branch.conv3.weight.gradient!.squaredNorm > 0)
    }
    /// Training's decision noise is added where the branch decides: on the sub-branch's R/4 grid, before the
    /// logits are resized (so the logit of p moves by the noise resized the same way), on every pixel for the
    /// standalone branch.
    @Test func decisionNoiseShiftsTheLogitsWhereTheBranchDecides() {
        let ipc = IdentityPreservingConditioner(.unet(resolution: 16, widths: [4, 8], blocks: 1), seed: 5)
        let sub = MaskBranch(.subBranch(of: ipc.configuration, width: 6), seed: 6), standalone = MaskBranch(.standard, seed: 1)
        var g = SeededGenerator(seed: 9)
        sub.conv4!.weight.assign(Tensor(randomUniform: sub.conv4!.weight.shape, in: -0.3...0.3, generator: &g))
        let x = Variable(image(seed: 34, size: 16)), proxy = Variable(Tensor(repeating: 1, shape: [1, 1, 16, 16]))
        let features = ipc.withFeatures(x).features
        #expect(sub.decisionGrid(resolution: 16) == 4 && standalone.decisionGrid(resolution: 16) == 16)
        func logits(_ p: Tensor) -> [Float] { p.scalars.map { log($0 / (1 - $0)) } }
        let coarse = MaskBranch.logisticNoise(shape: [1, 1, 4, 4], scale: 0.5, generator: &g)
        let shift = zip(logits(withoutGradients { sub.probabilities(x, proxy: proxy, features: features, decisionNoise: coarse) }.value),
                        logits(withoutGradients { sub.probabilities(x, proxy: proxy, features: features) }.value)).map { $0 - $1 }
        let resized = withoutGradients { Variable(coarse).bilinearResized(height: 16, width: 16) }.value.scalars
        #expect(zip(shift, resized).allSatisfy { abs($0 - $1) < 1e-4 })
        let fine = MaskBranch.logisticNoise(shape: [1, 1, 16, 16], generator: &g)
        let fineShift = zip(logits(withoutGradients { standalone.probabilities(x, proxy: proxy, decisionNoise: fine) }.value),
                            logits(withoutGradients { standalone.probabilities(x, proxy: proxy) }.value)).map { $0 - $1 }
        #expect(zip(fineShift, fine.scalars).allSatisfy { abs($0 - $1) < 1e-3 })
    }

    /// With logistic noise of scale 1, ℓ + L > 0 with probability σ(ℓ): thresholding draws M ~ Bernoulli(p).
    /// The noise has mean 0 and variance π²/3 (scale s: s²π²/3).
    @Test func logisticNoiseMakesTheThresholdABernoulliDraw() {
        var g = SeededGenerator(seed: 11)
        let n = 40_000
        let draws = MaskBranch.logisticNoise(shape: [n], generator: &g).scalars.map(Double.init)
        for logit in [-2.0, 0, 1] {
            let share = Double(draws.filter { logit + $0 > 0 }.count) / Double(n)
            #expect(abs(share - 1 / (1 + exp(-logit))) < 0.01, "ℓ = \(logit): \(share)")
        }
        let mean = draws.reduce(0, +) / Double(n), variance = draws.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n)
        #expect(abs(mean) < 0.03 && abs(variance - Double.pi * Double.pi / 3) < 0.1, "mean \(mean), variance \(variance)")
        let scaled = MaskBranch.logisticNoise(shape: [n], scale: 0.5, generator: &g).scalars.map(Double.init)
        #expect(abs(scaled.map { $0 * $0 }.reduce(0, +) / Double(n) - Double.pi * Double.pi / 12) < 0.05)
    }
}
