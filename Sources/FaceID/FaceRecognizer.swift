import Tensors

/// dlib's face-recognition ResNet (29 convolutions, 128-D descriptors) on our engine, forward and
/// backward with respect to its input; the weights are frozen.
public final class FaceRecognizer: @unchecked Sendable {
    struct Convolution {
        let weight: Variable, bias: Variable, stride: Int, padding: Int
        func callAsFunction(_ x: Variable) -> Variable { conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding) }

        /// This convolution followed by `affine`, as one convolution: γ·(W∗x + b) + β = (γW)∗x + (γb + β).
        func folding(_ affine: Affine) -> Convolution {
            let out = weight.shape[0], perOutput = weight.value.count / out
            var w = weight.value.scalars, b = bias.value.scalars
            for o in 0..<out {
                let gamma = affine.gamma.value.scalars[o]
                for i in (o * perOutput)..<((o + 1) * perOutput) { w[i] *= gamma }
                b[o] = gamma * b[o] + affine.beta.value.scalars[o]
            }
            return Convolution(weight: Variable(Tensor(shape: weight.shape, scalars: w)), bias: Variable(Tensor(shape: [out], scalars: b)),
                               stride: stride, padding: padding)
        }
    }

    /// dlib's affine layer (its frozen batch normalisation): a scale and shift per channel.
    struct Affine {
        let gamma: Variable, beta: Variable
        func callAsFunction(_ x: Variable) -> Variable { channelAffine(x, scale: gamma, shift: beta) }
    }

    /// A convolution and the affine layer after it: folded into one convolution (the default: the
    /// weights are frozen, so the two are one linear map), or kept apart (the reference the folded
    /// form is tested against).
    struct ConvolutionAndAffine {
        let convolution: Convolution, affine: Affine?
        init(_ convolution: Convolution, _ affine: Affine, fold: Bool) {
            self.convolution = fold ? convolution.folding(affine) : convolution
            self.affine = fold ? nil : affine
        }
        func callAsFunction(_ x: Variable) -> Variable { affine.map { $0(convolution(x)) } ?? convolution(x) }
    }

    /// ares / ares_down: y = affine(conv(relu(affine(conv(x))))); out = relu(y ⊕ shortcut(x)).
    struct Unit {
        let a: ConvolutionAndAffine, b: ConvolutionAndAffine
        let downsamples: Bool

        func callAsFunction(_ x: Variable) -> Variable {
            let y = b(a(x).relu())
            let shortcut = downsamples ? x.averagePooled(size: 2, stride: 2) : x
            return zeroExtendedSum(shortcut, y).relu()
        }
    }

    public static let inputSize = 150
    public static let descriptorLength = 128
    /// dlib's same-person rule: descriptors closer than this (Euclidean) are the same person.
    public let samePersonThreshold: Float
    let means: (red: Float, green: Float, blue: Float)
    let stem: ConvolutionAndAffine
    let units: [Unit]
    let projection: Variable  // [256, 128], input-major as in the file

    /// Loads the model from its original `.dat` file, verifying its sha256 first.
    /// `foldAffine`: fold each affine layer into the convolution before it (the default); false keeps
    /// them apart, as in the file.
    public convenience init(modelPath: String, foldAffine: Bool = true) throws(DlibModelError) {
        try self.init(model: RecognizerModelFile.load(modelPath), path: modelPath, foldAffine: foldAffine)
    }

    init(model: DlibModel, path: String, foldAffine: Bool = true) throws(DlibModelError) {
        var layers = model.layers[...]
        func next(_ kind: String) throws(DlibModelError) -> DlibLayer {
            guard let layer = layers.popFirst(), layer.kind == kind else {
                throw .malformed(path: path, offset: 0, reason: "layer \(108 - layers.count) should be \(kind)")
            }
            return layer
        }
        func convolution() throws(DlibModelError) -> Convolution {
            guard case .convolution(let w, let b, let stride, let padding) = try next("con") else { fatalError() }
            return Convolution(weight: Variable(Tensor(shape: w.shape, scalars: w.values)), bias: Variable(Tensor(shape: [b.count], scalars: b)),
                               stride: stride, padding: padding)
        }
        func affine() throws(DlibModelError) -> Affine {
            guard case .affine(let g, let b) = try next("affine") else { fatalError() }
            return Affine(gamma: Variable(Tensor(shape: [g.count], scalars: g)), beta: Variable(Tensor(shape: [b.count], scalars: b)))
        }
        stem = ConvolutionAndAffine(try convolution(), try affine(), fold: foldAffine)
        _ = try next("relu")
        _ = try next("max_pool")
        var units: [Unit] = []
        for (downsample, count) in [(false, 3), (true, 1), (false, 3), (true, 1), (false, 2), (true, 1), (false, 2), (true, 1)] {
            for _ in 0..<count {
                let a = ConvolutionAndAffine(try convolution(), try affine(), fold: foldAffine)
                _ = try next("relu")
                let b = ConvolutionAndAffine(try convolution(), try affine(), fold: foldAffine)
                if downsample { _ = try next("avg_pool") }
                _ = try next("add_prev")
                _ = try next("relu")
                units.append(Unit(a: a, b: b, downsamples: downsample))
            }
        }
        self.units = units
        _ = try next("avg_pool")
        guard case .fullyConnected(let w, let inputs, let outputs) = try next("fc") else { fatalError() }
        projection = Variable(Tensor(shape: [inputs, outputs], scalars: w))
        means = model.means
        samePersonThreshold = Float(model.distanceThreshold)
    }

    /// The network's normalised input from images in our [−1, 1] convention ([N, 3, R, R], any R):
    /// resized bilinearly to 150×150, mapped to pixels 127.5·(v + 1), minus dlib's channel means, ÷ 256.
    public func networkInput(_ images: Variable) -> Variable {
        precondition(images.shape.count == 4 && images.shape[1] == 3, "the recognizer takes [N, 3, H, W] images, got \(images.shape)")
        let size = Self.inputSize
        let resized = images.shape[2] == size && images.shape[3] == size ? images : images.bilinearResized(height: size, width: size)
        let scale = Tensor(repeating: 127.5 / 256, shape: [3])
        let shift = Tensor(shape: [3], scalars: [(127.5 - means.red) / 256, (127.5 - means.green) / 256, (127.5 - means.blue) / 256])
        return channelAffine(resized, scale: Variable(scale), shift: Variable(shift))
    }

    /// Descriptors [N, 128] of a normalised [N, 3, 150, 150] network input.
    public func descriptors(normalisedInput x: Variable) -> Variable {
        features(normalisedInput: x).descriptor
    }

    /// Descriptors [N, 128] of images in our [−1, 1] convention (any square size).
    public func descriptors(_ images: Variable) -> Variable {
        descriptors(normalisedInput: networkInput(images))
    }

    /// The descriptor and the intermediate feature maps the face-perceptual distance compares
    /// (after the stem and after each of the first four stages).
    public func features(normalisedInput x: Variable) -> (descriptor: Variable, maps: [Variable]) {
        precondition(x.shape.count == 4 && Array(x.shape[1...]) == [3, Self.inputSize, Self.inputSize],
                     "the recognizer's network input is [N, 3, 150, 150], got \(x.shape)")
        var h = stem(x).relu().maxPooled(size: 3, stride: 2)
        var maps = [h]
        let stageEnds: Set<Int> = [2, 6, 9, 12]
        for (index, unit) in units.enumerated() {
            h = unit(h)
            if stageEnds.contains(index) { maps.append(h) }
        }
        let pooled = h.globalAveragePooled()  // [N, 256]
        return (matmul(pooled, projection), maps)
    }
}
