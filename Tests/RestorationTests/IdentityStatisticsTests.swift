import Foundation
import Restoration
import Tensors
import Testing

@Suite struct IdentityStatisticsTests {
    struct Fixture: Decodable { let a: [[Float]]; let b: [[Float]]; let frechet: Double }

    @Test func frechetDistanceMatchesSciPy() throws {
        let path = Bundle.module.path(forResource: "Fixtures", ofType: nil)! + "/frechet.json"
        let f = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(abs(IdentityStatistics.frechetDistance(f.a, f.b) - f.frechet) < 1e-6 * max(1, f.frechet))
        #expect(abs(IdentityStatistics.frechetDistance(f.a, f.a)) < 1e-9)
    }

    @Test func symmetricSquareRoot() {
        // [[2, 1], [1, 2]] has eigenvalues 1 and 3; its square root squared gives it back.
        let root = SymmetricEigen.squareRoot([2, 1, 1, 2], n: 2)
        let square = [root[0] * root[0] + root[1] * root[2], root[0] * root[1] + root[1] * root[3],
                      root[2] * root[0] + root[3] * root[2], root[2] * root[1] + root[3] * root[3]]
        for (x, y) in zip(square, [2.0, 1, 1, 2]) { #expect(abs(x - y) < 1e-12) }
    }

    @Test func rankAccuracyCountsTopK() {
        let gallery: [[Float]] = [[1, 0], [0, 1], [0.7, 0.7]]
        let ids = ["a", "b", "c"]
        // The probe of "a" is nearest to c, then a; the probe of "b" is nearest to b.
        let probes: [[Float]] = [[0.8, 0.6], [0.1, 1]]
        #expect(IdentityStatistics.rankAccuracy(probes: probes, probeIdentities: ["a", "b"], gallery: gallery, galleryIdentities: ids, k: 1) == 0.5)
        #expect(IdentityStatistics.rankAccuracy(probes: probes, probeIdentities: ["a", "b"], gallery: gallery, galleryIdentities: ids, k: 2) == 1)
    }
}
