import Tensors

/// conv → ReLU → conv, added to the input (no normalisation: a regressor's colours and contrast
/// should not be renormalised away). The second convolution starts at zero, so each block
/// starts as the identity.
final class PlainResidualBlock: Module {
    let conv1: Conv2d, conv2: Conv2d

    init(_ width: Int, generator g: inout SeededGenerator) {
        conv1 = Conv2d(width, width, kernel: 3, padding: 1, generator: &g)
        conv2 = Conv2d(width, width, kernel: 3, padding: 1, generator: &g)
        conv2.zeroInitialise()
    }

    func callAsFunction(_ x: Variable) -> Variable { x + conv2(conv1(x).relu()) }

    var namedParameters: [(name: String, variable: Variable)] { nested("conv1", conv1) + nested("conv2", conv2) }
}

/// The IPC's U-Net body: residual blocks at each scale, stride-2 convolutions down, nearest ×2 and
/// a 3×3 convolution up, the encoder's output added at the matching decoder scale. At R = 64 the
/// deepest scale is 8 px, so every output pixel sees the whole face. Its features (for the mask
/// branch) are the last decoder scale's, at full resolution.
final class UNetConditioner: Module, ConditionerBody {
    let head: Conv2d
    let encoder: [[PlainResidualBlock]], downsamplers: [Conv2d]
    let middle: [PlainResidualBlock]
    let upsamplers: [Conv2d], decoder: [[PlainResidualBlock]]
    let tail: Conv2d

    init(widths: [Int], blocks: Int, generator g: inout SeededGenerator) {
        let inner = widths.dropLast().indices
        head = Conv2d(3, widths[0], kernel: 3, padding: 1, generator: &g)
        encoder = inner.map { level in (0..<blocks).map { _ in PlainResidualBlock(widths[level], generator: &g) } }
        downsamplers = inner.map { Conv2d(widths[$0], widths[$0 + 1], kernel: 3, stride: 2, padding: 1, generator: &g) }
        middle = (0..<blocks).map { _ in PlainResidualBlock(widths.last!, generator: &g) }
        upsamplers = inner.reversed().map { Conv2d(widths[$0 + 1], widths[$0], kernel: 3, padding: 1, generator: &g) }
        decoder = inner.reversed().map { level in (0..<blocks).map { _ in PlainResidualBlock(widths[level], generator: &g) } }
        tail = Conv2d(widths[0], 3, kernel: 3, padding: 1, generator: &g)
        tail.zeroInitialise()
    }

    func residualAndFeatures(_ x: Variable) -> (residual: Variable, features: Variable) {
        var h = head(x)
        var skips: [Variable] = []
        for (blocks, down) in zip(encoder, downsamplers) {
            for block in blocks { h = block(h) }
            skips.append(h)
            h = down(h).relu()
        }
        for block in middle { h = block(h) }
        for (up, blocks) in zip(upsamplers, decoder) {
            h = up(h.nearestUpsampled(factor: 2)).relu() + skips.removeLast()
            for block in blocks { h = block(h) }
        }
        return (tail(h), h)
    }

    var namedParameters: [(name: String, variable: Variable)] {
        var list = nested("head", head)
        for level in encoder.indices { list += nested("encoder.\(level)", encoder[level]) + nested("down.\(level)", downsamplers[level]) }
        list += nested("middle", middle)
        for index in decoder.indices { list += nested("up.\(index)", upsamplers[index]) + nested("decoder.\(index)", decoder[index]) }
        return list + nested("tail", tail)
    }
}
