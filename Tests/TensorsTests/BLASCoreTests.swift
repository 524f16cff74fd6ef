import Testing
import Tensors

@Suite struct BLASCoreTests {
    let avx2 = BLASCore.CPU(avx2FMA: true, avx512: false)
    let avx512 = BLASCore.CPU(avx2FMA: true, avx512: true)
    let core = BLASCore.coreVariable, chosen = BLASCore.chosenVariable

    @Test func genericKernelsOnAVX2CPUsAreReplacedByTheBestSupported() {
        #expect(BLASCore.environmentChanges(reported: "Prescott", cpu: avx2, environment: [:]) == [core: "Haswell", chosen: "Haswell"])
        #expect(BLASCore.environmentChanges(reported: "Prescott", cpu: avx512, environment: [:]) == [core: "SkylakeX", chosen: "SkylakeX"])
        #expect(BLASCore.environmentChanges(reported: "Nehalem", cpu: avx2, environment: [:]) == [core: "Haswell", chosen: "Haswell"])
    }

    @Test func recognisedCoresAndOlderCPUsAreLeftAlone() {
        for reported in ["Haswell", "Zen", "SkylakeX", "Cooperlake"] {
            #expect(BLASCore.environmentChanges(reported: reported, cpu: avx512, environment: [:]).isEmpty)
        }
        #expect(BLASCore.environmentChanges(reported: "Prescott", cpu: BLASCore.CPU(avx2FMA: false, avx512: false), environment: [:]).isEmpty)
    }

    @Test func aValueTheUserSetIsNeverReplaced() {
        #expect(BLASCore.environmentChanges(reported: "Prescott", cpu: avx512, environment: [core: "Prescott"]).isEmpty)
        // Even one this OpenBLAS ignored (it then runs its own detection).
        #expect(BLASCore.environmentChanges(reported: "Prescott", cpu: avx512, environment: [core: "SapphireRapids"]).isEmpty)
    }

    @Test func dnrsOwnChoiceFallsBackWhenThisOpenBLASLacksIt() {
        // SkylakeX asked for, Prescott came: try Haswell; Haswell ignored too: unset and keep what runs.
        #expect(BLASCore.environmentChanges(reported: "Prescott", cpu: avx512, environment: [core: "SkylakeX", chosen: "SkylakeX"])
                == [core: "Haswell", chosen: "Haswell"])
        #expect(BLASCore.environmentChanges(reported: "Prescott", cpu: avx512, environment: [core: "Haswell", chosen: "Haswell"])
                == [core: String?.none, chosen: String?.none] as [String: String?])
        #expect(BLASCore.environmentChanges(reported: "SkylakeX", cpu: avx512, environment: [core: "SkylakeX", chosen: "SkylakeX"]).isEmpty)
    }
}

@Suite struct FLOPCounterTests {
    /// A counted run reports 2·m·n·k operations per product and the time spent inside sgemm, which
    /// is part of (so at most) the run's own time.
    @Test func countsProductsAndTimesThem() {
        var g = SeededGenerator(seed: 3)
        let a = Tensor(randomNormal: [2, 96, 80], generator: &g), b = Tensor(randomNormal: [2, 80, 64], generator: &g)
        let start = monotonicSeconds()
        let (product, counter) = FLOPCounter.counted { Tensor.matmul(a, b) }
        let elapsed = monotonicSeconds() - start
        #expect(product.shape == [2, 96, 64])
        #expect(counter.operations == 2 * 2 * 96 * 64 * 80)
        #expect(counter.productSeconds > 0 && counter.productSeconds <= elapsed)
        let (_, none) = FLOPCounter.counted { Tensor(randomNormal: [4], generator: &g) }
        #expect(none.operations == 0 && none.productSeconds == 0)
    }
}
