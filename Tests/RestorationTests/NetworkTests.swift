import Testing
@testable import Restoration
import Tensors

@Suite struct NetworkTests {
    @Test func defaultSizesFitTheBudgets() {
        let unet = ConditionalUNet(.restorationDefault)
        #expect(unet.parameterCount <= 15_000_000)
        let (_, flops) = FLOPCounter.counting {
            withoutGradients { unet(Variable(Tensor(zeros: [1, 9, 64, 64])), timesteps: [10]) }
        }
        #expect(flops <= 5_000_000_000, "\(flops) FLOP is more than 2.5 GMAC")  // 2 FLOP per multiply-add
        #expect(IdentityPreservingConditioner(.standard).parameterCount <= 2_000_000)
        #expect(MaskBranch(.standard).parameterCount <= 300_000)
    }

    @Test func conditionerStartsAsTheIdentity() {
        let x = image(seed: 30, size: 16)
        let ipc = IdentityPreservingConditioner(ConditionerConfiguration(resolution: 16, width: 8, blocks: 2))
        #expect(withoutGradients { ipc(Variable(x)) }.value.maxAbsDifference(x) == 0)
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
}
