import Tensors

/// The conditional denoising UNet ε_θ(y_t, condition, t): residual blocks with a timestep
/// embedding, self-attention at the configured levels and in the middle, stride-2 convolutions
/// down, nearest ×2 + 3×3 convolutions up, and every encoder block's output concatenated into the
/// matching decoder block.
public final class ConditionalUNet: Module {
    public let configuration: UNetConfiguration
    let timeMLP1: Linear, timeMLP2: Linear
    let inputConv: Conv2d
    let encoder: [[ResidualBlock]], encoderAttention: [[AttentionBlock?]]
    let downsamplers: [Conv2d]
    let middle1: ResidualBlock, middleAttention: AttentionBlock, middle2: ResidualBlock
    let decoder: [[ResidualBlock]], decoderAttention: [[AttentionBlock?]]
    let upsamplers: [Conv2d]
    let outputNorm: GroupNorm, outputConv: Conv2d

    public init(_ configuration: UNetConfiguration, seed: UInt64 = 0) {
        self.configuration = configuration
        var g = SeededGenerator(seed: seed)
        let c = configuration, widths = c.widths, levels = widths.count, groups = c.groups
        timeMLP1 = Linear(c.timeFeatures, c.timeEmbedding, generator: &g)
        timeMLP2 = Linear(c.timeEmbedding, c.timeEmbedding, generator: &g)
        inputConv = Conv2d(c.inputChannels, widths[0], kernel: 3, padding: 1, generator: &g)

        var encoder: [[ResidualBlock]] = [], encoderAttention: [[AttentionBlock?]] = [], downsamplers: [Conv2d] = []
        var width = widths[0]
        var skipWidths: [[Int]] = []
        for level in 0..<levels {
            var blocks: [ResidualBlock] = [], attention: [AttentionBlock?] = [], skips: [Int] = []
            for _ in 0..<c.blocksPerLevel {
                blocks.append(ResidualBlock(width, widths[level], embeddingWidth: c.timeEmbedding, groups: groups, generator: &g))
                width = widths[level]
                attention.append(c.attentionLevels.contains(level) ? AttentionBlock(width, groups: groups, generator: &g) : nil)
                skips.append(width)
            }
            encoder.append(blocks)
            encoderAttention.append(attention)
            skipWidths.append(skips)
            if level < levels - 1 { downsamplers.append(Conv2d(width, width, kernel: 3, stride: 2, padding: 1, generator: &g)) }
        }
        self.encoder = encoder
        self.encoderAttention = encoderAttention
        self.downsamplers = downsamplers

        middle1 = ResidualBlock(width, width, embeddingWidth: c.timeEmbedding, groups: groups, generator: &g)
        middleAttention = AttentionBlock(width, groups: groups, generator: &g)
        middle2 = ResidualBlock(width, width, embeddingWidth: c.timeEmbedding, groups: groups, generator: &g)

        var decoder: [[ResidualBlock]] = [], decoderAttention: [[AttentionBlock?]] = [], upsamplers: [Conv2d] = []
        for level in stride(from: levels - 1, through: 0, by: -1) {
            var blocks: [ResidualBlock] = [], attention: [AttentionBlock?] = []
            for skip in skipWidths[level].reversed() {
                blocks.append(ResidualBlock(width + skip, widths[level], embeddingWidth: c.timeEmbedding, groups: groups, generator: &g))
                width = widths[level]
                attention.append(c.attentionLevels.contains(level) ? AttentionBlock(width, groups: groups, generator: &g) : nil)
            }
            decoder.append(blocks)
            decoderAttention.append(attention)
            if level > 0 { upsamplers.append(Conv2d(width, width, kernel: 3, padding: 1, generator: &g)) }
        }
        self.decoder = decoder
        self.decoderAttention = decoderAttention
        self.upsamplers = upsamplers
        outputNorm = GroupNorm(groups: groups, channels: width)
        outputConv = Conv2d(width, c.outputChannels, kernel: 3, padding: 1, generator: &g)
    }

    /// ε̂ for input [N, inputChannels, R, R] (noisy image and conditions concatenated) at timesteps `t` (N values).
    public func callAsFunction(_ input: Variable, timesteps: [Float]) -> Variable {
        precondition(input.shape.count == 4 && input.shape[1] == configuration.inputChannels && input.shape[0] == timesteps.count,
                     "UNet input \(input.shape) with \(timesteps.count) timesteps; expected [N, \(configuration.inputChannels), H, W]")
        let features = Variable(timestepFeatures(timesteps, width: configuration.timeFeatures))
        let embedding = timeMLP2(timeMLP1(features).silu())

        var h = inputConv(input)
        var skips: [Variable] = []
        for level in encoder.indices {
            for (block, attention) in zip(encoder[level], encoderAttention[level]) {
                h = block(h, embedding: embedding)
                if let attention { h = attention(h) }
                skips.append(h)
            }
            if level < downsamplers.count { h = downsamplers[level](h) }
        }
        h = middle2(middleAttention(middle1(h, embedding: embedding)), embedding: embedding)
        for (index, blocks) in decoder.enumerated() {
            for (block, attention) in zip(blocks, decoderAttention[index]) {
                h = block(concatenate([h, skips.removeLast()], axis: 1), embedding: embedding)
                if let attention { h = attention(h) }
            }
            if index < upsamplers.count { h = upsamplers[index](h.nearestUpsampled(factor: 2)) }
        }
        return outputConv(outputNorm.silu(h))
    }

    public var namedParameters: [(name: String, variable: Variable)] {
        var list = nested("time.0", timeMLP1) + nested("time.1", timeMLP2) + nested("input", inputConv)
        for level in encoder.indices {
            list += nested("encoder.\(level)", encoder[level])
            for (i, a) in encoderAttention[level].enumerated() { list += nested("encoder.\(level).attention.\(i)", a) }
            if level < downsamplers.count { list += nested("down.\(level)", downsamplers[level]) }
        }
        list += nested("middle.0", middle1) + nested("middle.attention", middleAttention) + nested("middle.1", middle2)
        for (index, blocks) in decoder.enumerated() {
            list += nested("decoder.\(index)", blocks)
            for (i, a) in decoderAttention[index].enumerated() { list += nested("decoder.\(index).attention.\(i)", a) }
            if index < upsamplers.count { list += nested("up.\(index)", upsamplers[index]) }
        }
        return list + nested("output.norm", outputNorm) + nested("output.conv", outputConv)
    }
}
