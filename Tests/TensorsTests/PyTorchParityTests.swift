import Foundation
import Testing
@testable import Tensors

func fixturePath(_ name: String) -> String {
    Bundle.module.path(forResource: "Fixtures", ofType: nil)! + "/" + name
}

/// The same small network as scripts/fixtures/make_tensors_fixtures.py, written with our ops.
struct SmallParityNetwork {
    let w: [String: Variable]
    let temb: Variable

    func callAsFunction(_ x: Variable) -> Variable {
        var h = conv2d(x, weight: w["conv_in.weight"]!, bias: w["conv_in.bias"]!, padding: 1)
        h = h + linear(temb, weight: w["time.weight"]!, bias: w["time.bias"]!).reshaped([2, 32, 1, 1])
        h = groupNorm(h, groups: 8, weight: w["norm1.weight"]!, bias: w["norm1.bias"]!).silu()
        h = conv2d(h, weight: w["down.weight"]!, bias: w["down.bias"]!, stride: 2, padding: 1)
        let n = groupNorm(h, groups: 8, weight: w["attn.norm.weight"]!, bias: w["attn.norm.bias"]!)
        let qkv = conv2d(n, weight: w["attn.qkv.weight"]!, bias: w["attn.qkv.bias"]!).reshaped([2, 96, 16]).split(axis: 1, sizes: [32, 32, 32])
        let a = (matmul(qkv[0], qkv[1], transposeA: true) * (1 / Float(32).squareRoot())).softmax()
        let o = matmul(qkv[2], a, transposeB: true).reshaped([2, 32, 4, 4])
        h = h + conv2d(o, weight: w["attn.proj.weight"]!, bias: w["attn.proj.bias"]!)
        h = h.nearestUpsampled(factor: 2)
        h = conv2d(h, weight: w["up.weight"]!, bias: w["up.bias"]!, padding: 1).silu()
        h = h.bilinearResized(height: 11, width: 11)
        return conv2d(h, weight: w["conv_out.weight"]!, bias: w["conv_out.bias"]!)
    }
}

@Suite struct PyTorchParityTests {
    @Test func smallNetworkOutputsAndGradientsMatchPyTorch() throws {
        let archive = try Safetensors.read(fixturePath("parity_small_net.safetensors"))
        let names = archive.tensors.keys.filter { !$0.hasPrefix("input.") && !$0.hasPrefix("output.") && !$0.hasPrefix("grad.") }
        #expect(names.count == 18)
        let weights = Dictionary(uniqueKeysWithValues: names.map { ($0, Variable(archive.tensors[$0]!, requiresGradient: true)) })
        let network = SmallParityNetwork(w: weights, temb: Variable(archive.tensors["input.temb"]!))
        let x = Variable(archive.tensors["input.x"]!, requiresGradient: true)
        let y = network(x)
        let loss = mseLoss(y, Variable(archive.tensors["input.target"]!))
        loss.backward()

        #expect(y.value.maxAbsDifference(archive.tensors["output.y"]!) < 1e-4)
        #expect(abs(loss.value.scalar - archive.tensors["output.loss"]!.scalars[0]) < 1e-5)
        // Gradients: relative L2 error against PyTorch's.
        func relativeError(_ a: Tensor, _ b: Tensor) -> Float { (a - b).squaredNorm.squareRoot() / max(b.squaredNorm.squareRoot(), 1e-12) }
        #expect(relativeError(x.gradient!, archive.tensors["grad.x"]!) < 1e-4)
        for name in names {
            let error = relativeError(weights[name]!.gradient!, archive.tensors["grad." + name]!)
            #expect(error < 1e-4, "gradient of \(name): relative error \(error)")
        }
    }
}

@Suite struct OptimizerTests {
    struct Trajectories: Decodable {
        let initial: [Float], centre: [Float], curvature: [Float]
        let lr: Float
        let weight_decay: Float
        let adamw: [[Float]]
        let adam_l2: [[Float]]
    }

    @Test(arguments: [true, false])
    func adamFollowsPyTorch(decoupled: Bool) throws {
        let t = try JSONDecoder().decode(Trajectories.self, from: Data(contentsOf: URL(fileURLWithPath: fixturePath("adam_trajectories.json"))))
        let w = Variable(Tensor(shape: [4], scalars: t.initial), requiresGradient: true)
        let centre = Variable(Tensor(shape: [4], scalars: t.centre)), curvature = Variable(Tensor(shape: [4], scalars: t.curvature))
        let adam = Adam(parameters: [w], learningRate: t.lr, weightDecay: t.weight_decay, decoupledWeightDecay: decoupled)
        for expected in decoupled ? t.adamw : t.adam_l2 {
            w.gradient = nil
            ((w - centre).squared() * curvature).sum().backward()
            adam.update()
            #expect(w.value.maxAbsDifference(Tensor(shape: [4], scalars: expected)) < 1e-6)
        }
    }

    @Test func clippingScalesToTheMaximumNorm() {
        let a = Variable(Tensor(zeros: [2]), requiresGradient: true), b = Variable(Tensor(zeros: [1]), requiresGradient: true)
        a.gradient = Tensor(shape: [2], scalars: [3, 0])
        b.gradient = Tensor(shape: [1], scalars: [4])
        #expect(clipGradientNorm([a, b], maxNorm: 1) == 5)
        #expect(abs(a.gradient!.scalars[0] - 0.6) < 1e-5 && abs(b.gradient!.scalars[0] - 0.8) < 1e-5)
        #expect(abs(clipGradientNorm([a, b], maxNorm: 10) - 1) < 1e-5)  // already small: unchanged
    }

    @Test func emaConvergesGeometrically() {
        let p = Variable(Tensor(zeros: [3]), requiresGradient: true)
        let ema = ExponentialMovingAverage(parameters: [p], decay: 0.9)
        p.assign(Tensor(repeating: 1, shape: [3]))
        for _ in 0..<10 { ema.update(from: [p]) }
        // shadow = 1 − 0.9¹⁰
        #expect(abs(ema.shadow[0].scalars[0] - (1 - powf(0.9, 10))) < 1e-6)
    }

    @Test func emaWarmupFollowsTheShortHorizonFirst() {
        let p = Variable(Tensor(zeros: [1]), requiresGradient: true)
        let ema = ExponentialMovingAverage(parameters: [p], decay: 0.999, warmup: true)
        p.assign(Tensor(repeating: 1, shape: [1]))
        // Decays 1/10, 2/11, 3/12: shadow = 1 − (1/10)(2/11)(3/12).
        for _ in 0..<3 { ema.update(from: [p]) }
        #expect(abs(ema.shadow[0].scalars[0] - (1 - 0.1 * 2 / 11 * 0.25)) < 1e-6)
        #expect(ema.updates == 3 && abs(ema.currentDecay - 4 / 13) < 1e-7)
    }

    @Test func withAverageLendsTheShadowAndGivesTheWeightsBack() {
        let p = Variable(Tensor(zeros: [2]), requiresGradient: true)
        let ema = ExponentialMovingAverage(parameters: [p], decay: 0.5)
        p.assign(Tensor(repeating: 1, shape: [2]))
        ema.update(from: [p])  // shadow 0.5
        let inside = ema.withAverage(in: [p]) { p.value.scalars }
        #expect(inside == [0.5, 0.5] && p.value.scalars == [1, 1])
    }
}

@Suite struct SafetensorsTests {
    let tensors: [(name: String, tensor: Tensor)] = [
        ("a.weight", Tensor(shape: [2, 3], scalars: [1, -2.5, 3.25, 0, 1e-3, 65504])),
        ("b", Tensor(shape: [4], scalars: [0.1, 0.2, -0.3, 1000.5])),
    ]

    /// Fuzzing's findings (scripts/fuzz.sh), kept: each must be a clear error, not a trap.
    @Test func fuzzedHeadersAreClearErrors() throws {
        // data_offsets [12192, 126e24]: the byte count overflowed Int and trapped.
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: fixturePath("fuzz/safetensors-huge-offset.bin"))))
        #expect(throws: SafetensorsError.self) { try Safetensors.decode(bytes) }
        func header(_ json: String) -> [UInt8] {
            let h = Array(json.utf8)
            return (0..<8).map { UInt8((h.count >> (8 * $0)) & 0xFF) } + h + [UInt8](repeating: 0, count: 16)
        }
        for entry in [#"{"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,16]}}"#,
                      #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#,
                      #"{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#,
                      #"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#,
                      #"{"a":{"dtype":"F32","shape":[4],"data_offsets":[9007199254740000,9007199254740016]}}"#] {
            #expect(throws: SafetensorsError.self, "\(entry)") { try Safetensors.decode(header(entry)) }
        }
    }

    @Test func float32RoundTripIsExact() throws {
        let archive = try Safetensors.decode(Safetensors.encode(tensors, metadata: ["step": "12"]))
        #expect(archive.tensors["a.weight"] == tensors[0].tensor && archive.tensors["b"] == tensors[1].tensor)
        #expect(archive.metadata == ["step": "12"])
    }

    @Test(arguments: [(SafetensorsDType.f16, Float(1e-3)), (.bf16, Float(4e-3))])
    func halfPrecisionRoundTrip(dtype: SafetensorsDType, tolerance: Float) throws {
        let archive = try Safetensors.decode(Safetensors.encode(tensors, dtype: dtype))
        for (name, tensor) in tensors {
            for (a, b) in zip(archive.tensors[name]!.scalars, tensor.scalars) { #expect(abs(a - b) <= tolerance * abs(b) + 1e-7) }
        }
    }

    @Test func readsTheFileWrittenByPythonSafetensors() throws {
        let archive = try Safetensors.read(fixturePath("parity_small_net.safetensors"))
        #expect(archive.tensors["conv_in.weight"]!.shape == [32, 6, 3, 3])
        #expect(archive.metadata["made_by"] == "scripts/fixtures/make_tensors_fixtures.py")
    }

    @Test func bfloat16RoundsToNearestEven() {
        #expect(Safetensors.bfloat16Bits(1.0) == 0x3F80)
        #expect(Safetensors.bfloat16Bits(Float(bitPattern: 0x3F80_8000)) == 0x3F80)  // tie, even stays
        #expect(Safetensors.bfloat16Bits(Float(bitPattern: 0x3F81_8000)) == 0x3F82)  // tie, odd rounds up
    }

    @Test func errorsAreClear() throws {
        let bytes = Safetensors.encode(tensors)
        #expect(throws: SafetensorsError.truncated(path: "<memory>", reason: "3 bytes, shorter than the 8-byte length field")) {
            try Safetensors.decode(Array(bytes.prefix(3)))
        }
        #expect {
            try Safetensors.decode(Array(bytes.dropLast(5)))
        } throws: { error in
            guard case .truncated(_, let reason)? = error as? SafetensorsError else { return false }
            return reason.contains("tensor 'b' ends at byte")
        }
        var garbled = bytes
        garbled[9] = UInt8(ascii: "!")
        #expect(throws: SafetensorsError.badHeader(path: "<memory>", reason: "not a JSON object")) { try Safetensors.decode(garbled) }
        let archive = try Safetensors.decode(bytes)
        #expect(throws: SafetensorsError.missingTensor(path: "<memory>", name: "c")) { try archive.tensor("c", shape: [1]) }
        #expect(throws: SafetensorsError.shapeMismatch(path: "<memory>", name: "b", expected: [2, 2], found: [4])) {
            try archive.tensor("b", shape: [2, 2])
        }
    }

    @Test func moduleLoadChecksEveryTensorFirst() throws {
        var generator = SeededGenerator(seed: 1)
        let layer = Linear(3, 2, generator: &generator)
        let before = layer.weight.value
        let wrong = SafetensorsArchive(tensors: ["weight": Tensor(zeros: [2, 3]), "bias": Tensor(zeros: [3])])
        #expect(throws: SafetensorsError.shapeMismatch(path: "<memory>", name: "bias", expected: [2], found: [3])) { try layer.load(from: wrong) }
        #expect(layer.weight.value == before)  // nothing changed on error
        try layer.load(from: SafetensorsArchive(tensors: ["weight": Tensor(zeros: [2, 3]), "bias": Tensor(zeros: [2])]))
        #expect(layer.weight.value == Tensor(zeros: [2, 3]))
    }

    @Test func moduleLoadRejectsTensorsTheModelDoesNotHave() throws {
        var generator = SeededGenerator(seed: 1)
        let layer = Linear(3, 2, generator: &generator)
        let extra = SafetensorsArchive(tensors: ["weight": Tensor(zeros: [2, 3]), "bias": Tensor(zeros: [2]), "scale": Tensor(zeros: [2])])
        #expect(throws: SafetensorsError.unusedTensors(path: "<memory>", names: ["scale"])) { try layer.load(from: extra) }
        // Under a prefix, only the tensors under it belong to the module (a checkpoint holds more).
        let checkpoint = SafetensorsArchive(tensors: ["model.weight": Tensor(zeros: [2, 3]), "model.bias": Tensor(zeros: [2]), "adam.m.0": Tensor(zeros: [2])])
        try layer.load(from: checkpoint, prefix: "model.")
    }
}
