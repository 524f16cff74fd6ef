import Tensors

extension FaceRecognizer {
    /// Every weight under a stable name (stem.*, units.N.*, projection), for mirrors in other
    /// frameworks (the benchmark's PyTorch port) and for inspection.
    public var namedWeights: [(name: String, tensor: Tensor)] {
        var list: [(String, Tensor)] = [
            ("stem.conv.weight", stemConvolution.weight.value), ("stem.conv.bias", stemConvolution.bias.value),
            ("stem.affine.gamma", stemAffine.gamma.value), ("stem.affine.beta", stemAffine.beta.value),
        ]
        for (i, unit) in units.enumerated() {
            list += [
                ("units.\(i).convA.weight", unit.convA.weight.value), ("units.\(i).convA.bias", unit.convA.bias.value),
                ("units.\(i).affineA.gamma", unit.affineA.gamma.value), ("units.\(i).affineA.beta", unit.affineA.beta.value),
                ("units.\(i).convB.weight", unit.convB.weight.value), ("units.\(i).convB.bias", unit.convB.bias.value),
                ("units.\(i).affineB.gamma", unit.affineB.gamma.value), ("units.\(i).affineB.beta", unit.affineB.beta.value),
            ]
        }
        return list + [("projection", projection.value)]
    }

    /// Which units downsample (stride-2 first convolution, pooled shortcut).
    public var downsamplingUnits: [Int] { units.enumerated().filter { $0.element.downsamples }.map(\.offset) }
}
