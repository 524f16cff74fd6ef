import Tensors

extension FaceRecognizer {
    /// Every weight under a stable name (stem.*, units.N.*, projection), for mirrors in other
    /// frameworks (the benchmark's PyTorch port) and for inspection.
    /// A folded layer is exported as its folded convolution with an identity affine (γ = 1, β = 0).
    public var namedWeights: [(name: String, tensor: Tensor)] {
        func layer(_ prefix: String, _ conv: String, _ affine: String, _ pair: ConvolutionAndAffine) -> [(String, Tensor)] {
            let channels = pair.convolution.bias.value.count
            return [("\(prefix)\(conv).weight", pair.convolution.weight.value), ("\(prefix)\(conv).bias", pair.convolution.bias.value),
                    ("\(prefix)\(affine).gamma", pair.affine?.gamma.value ?? Tensor(repeating: 1, shape: [channels])),
                    ("\(prefix)\(affine).beta", pair.affine?.beta.value ?? Tensor(zeros: [channels]))]
        }
        var list = layer("stem.", "conv", "affine", stem)
        for (i, unit) in units.enumerated() {
            list += layer("units.\(i).", "convA", "affineA", unit.a) + layer("units.\(i).", "convB", "affineB", unit.b)
        }
        return list + [("projection", projection.value)]
    }

    public var downsamplingUnits: [Int] { units.enumerated().filter { $0.element.downsamples }.map(\.offset) }
}
