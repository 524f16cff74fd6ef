import FaceID
import Tensors

/// Set-level identity measures over recognizer descriptors.
public enum IdentityStatistics {
    /// The Fréchet distance between Gaussians fitted to two descriptor sets — FID's formula on
    /// 128-D face descriptors instead of Inception features (our FID substitute, named as such):
    /// ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2·(Σ₁^½ Σ₂ Σ₁^½)^½).
    public static func frechetDistance(_ a: [[Float]], _ b: [[Float]]) -> Double {
        precondition(a.count > 1 && b.count > 1 && a[0].count == b[0].count, "two sets of at least two descriptors of one length")
        let n = a[0].count
        func moments(_ set: [[Float]]) -> ([Double], [Double]) {
            var mean = [Double](repeating: 0, count: n)
            for v in set { for i in 0..<n { mean[i] += Double(v[i]) } }
            for i in 0..<n { mean[i] /= Double(set.count) }
            var cov = [Double](repeating: 0, count: n * n)
            for v in set { for i in 0..<n { for j in 0..<n { cov[i * n + j] += (Double(v[i]) - mean[i]) * (Double(v[j]) - mean[j]) } } }
            for k in cov.indices { cov[k] /= Double(set.count - 1) }
            return (mean, cov)
        }
        let (m1, s1) = moments(a), (m2, s2) = moments(b)
        let root1 = SymmetricEigen.squareRoot(s1, n: n)
        var product = [Double](repeating: 0, count: n * n), inner = product
        for i in 0..<n { for k in 0..<n { let r = root1[i * n + k]; if r == 0 { continue }; for j in 0..<n { product[i * n + j] += r * s2[k * n + j] } } }
        for i in 0..<n { for k in 0..<n { let p = product[i * n + k]; if p == 0 { continue }; for j in 0..<n { inner[i * n + j] += p * root1[k * n + j] } } }
        for i in 0..<n { for j in 0..<i { let avg = (inner[i * n + j] + inner[j * n + i]) / 2; inner[i * n + j] = avg; inner[j * n + i] = avg } }
        let traceRoot = SymmetricEigen.decompose(inner, n: n).values.reduce(0) { $0 + max($1, 0).squareRoot() }
        var distance = 0.0
        for i in 0..<n { distance += (m1[i] - m2[i]) * (m1[i] - m2[i]) + s1[i * n + i] + s2[i * n + i] }
        return distance - 2 * traceRoot
    }

    /// Rank-k identification accuracy (the paper's Table 5): each probe is ranked against the gallery
    /// by cosine similarity and counts as found when its identity is among the top k.
    public static func rankAccuracy(probes: [[Float]], probeIdentities: [String], gallery: [[Float]], galleryIdentities: [String], k: Int) -> Double {
        precondition(probes.count == probeIdentities.count && gallery.count == galleryIdentities.count, "descriptors and identities differ in number")
        func cosine(_ a: [Float], _ b: [Float]) -> Float { IdentityComparison(a, b).cosine }
        var found = 0
        for (probe, identity) in zip(probes, probeIdentities) {
            let ranked = gallery.indices.sorted { cosine(probe, gallery[$0]) > cosine(probe, gallery[$1]) }
            if ranked.prefix(k).contains(where: { galleryIdentities[$0] == identity }) { found += 1 }
        }
        return Double(found) / Double(max(probes.count, 1))
    }
}
