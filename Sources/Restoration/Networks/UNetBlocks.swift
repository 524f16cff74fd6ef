import Tensors

#if canImport(Glibc)
import Glibc
#endif

/// GroupNorm → SiLU → 3×3 conv, plus the projected timestep embedding per channel, then
/// GroupNorm → SiLU → 3×3 conv; a 1×1 shortcut when the width changes.
final class ResidualBlock: Module {
    let norm1: GroupNorm, conv1: Conv2d, embedding: Linear, norm2: GroupNorm, conv2: Conv2d
    let shortcut: Conv2d?

    init(_ inChannels: Int, _ outChannels: Int, embeddingWidth: Int, groups: Int, generator: inout SeededGenerator) {
        norm1 = GroupNorm(groups: groups, channels: inChannels)
        conv1 = Conv2d(inChannels, outChannels, kernel: 3, padding: 1, generator: &generator)
        embedding = Linear(embeddingWidth, outChannels, generator: &generator)
        norm2 = GroupNorm(groups: groups, channels: outChannels)
        conv2 = Conv2d(outChannels, outChannels, kernel: 3, padding: 1, generator: &generator)
        shortcut = inChannels == outChannels ? nil : Conv2d(inChannels, outChannels, kernel: 1, generator: &generator)
    }

    func callAsFunction(_ x: Variable, embedding emb: Variable) -> Variable {
        var h = conv1(norm1.silu(x))
        let projected = embedding(emb.silu())
        h = h + projected.reshaped([projected.shape[0], projected.shape[1], 1, 1])
        h = conv2(norm2.silu(h))
        return (shortcut.map { $0(x) } ?? x) + h
    }

    var namedParameters: [(name: String, variable: Variable)] {
        nested("norm1", norm1) + nested("conv1", conv1) + nested("embedding", embedding) + nested("norm2", norm2)
            + nested("conv2", conv2) + nested("shortcut", shortcut)
    }
}

/// One-head self-attention over the spatial positions, with a residual connection.
final class AttentionBlock: Module {
    let norm: GroupNorm, qkv: Conv2d, projection: Conv2d

    init(_ channels: Int, groups: Int, generator: inout SeededGenerator) {
        norm = GroupNorm(groups: groups, channels: channels)
        qkv = Conv2d(channels, 3 * channels, kernel: 1, generator: &generator)
        projection = Conv2d(channels, channels, kernel: 1, generator: &generator)
    }

    func callAsFunction(_ x: Variable) -> Variable {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let parts = qkv(norm(x)).reshaped([n, 3 * c, h * w]).split(axis: 1, sizes: [c, c, c])
        let weights = (matmul(parts[0], parts[1], transposeA: true) * (1 / Float(c).squareRoot())).softmax()  // [n, hw, hw]
        let attended = matmul(parts[2], weights, transposeB: true).reshaped([n, c, h, w])
        return x + projection(attended)
    }

    var namedParameters: [(name: String, variable: Variable)] {
        nested("norm", norm) + nested("qkv", qkv) + nested("projection", projection)
    }
}

/// Sinusoidal timestep features [cos(t·f_i), sin(t·f_i)], f_i = 10000^(−i/half), as in DDPM.
public func timestepFeatures(_ timesteps: [Float], width: Int) -> Tensor {
    let half = width / 2
    var out = [Float](repeating: 0, count: timesteps.count * width)
    for (b, t) in timesteps.enumerated() {
        for i in 0..<half {
            let frequency = exp(-log(10000.0) * Double(i) / Double(half))
            let angle = Double(t) * frequency
            out[b * width + i] = Float(cos(angle))
            out[b * width + half + i] = Float(sin(angle))
        }
    }
    return Tensor(shape: [timesteps.count, width], scalars: out)
}
