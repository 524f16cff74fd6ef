/// The DDPM noise schedule: β_t linear from `start` to `end` over T steps, ᾱ_t = Π_{j ≤ t}(1 − β_j),
/// with ᾱ_0 = 1 (t = 0 is the clean image).
public struct NoiseSchedule: Sendable, Equatable {
    public let steps: Int
    /// ᾱ_t for t = 0…T (index t).
    public let alphaBar: [Double]

    public init(steps: Int = 1000, betaStart: Double = 1e-4, betaEnd: Double = 0.02) {
        precondition(steps >= 1, "a schedule needs at least one step")
        self.steps = steps
        var values = [1.0]
        var product = 1.0
        for i in 0..<steps {
            let beta = steps == 1 ? betaStart : betaStart + (betaEnd - betaStart) * Double(i) / Double(steps - 1)
            product *= 1 - beta
            values.append(product)
        }
        alphaBar = values
    }

    public func beta(_ t: Int) -> Double { 1 - alphaBar[t] / alphaBar[t - 1] }

    /// The coefficients of one reverse transition from t to an earlier step s (s = t − 1 for plain
    /// DDPM, any s < t for a respaced chain, whose own β is 1 − ᾱ_t/ᾱ_s):
    /// posterior q(y_s | y_t, y_0) = N(c0·y_0 + ct·y_t, variance).
    public func posterior(from t: Int, to s: Int) -> (startCoefficient: Double, currentCoefficient: Double, variance: Double) {
        precondition(0 <= s && s < t && t <= steps, "posterior needs 0 ≤ s < t ≤ T, got s=\(s), t=\(t)")
        let (at, as_) = (alphaBar[t], alphaBar[s])
        let betaHat = 1 - at / as_
        let c0 = as_.squareRoot() * betaHat / (1 - at)
        let ct = (at / as_).squareRoot() * (1 - as_) / (1 - at)
        return (c0, ct, betaHat * (1 - as_) / (1 - at))
    }
}

/// Which timesteps a reverse run visits, from T′ down to 1.
public enum TimestepPlan {
    /// Every step T′, T′−1, …, 1.
    public static func full(from start: Int) -> [Int] { Array((1...start).reversed()) }

    /// `count` steps spread evenly over 1…T′ (improved-DDPM respacing), always including T′ and 1.
    public static func respaced(from start: Int, count: Int) -> [Int] {
        precondition(count >= 1 && count <= start, "respacing needs 1 ≤ K ≤ T′, got K=\(count), T′=\(start)")
        if count == start { return full(from: start) }
        if count == 1 { return [start] }
        var steps: [Int] = []
        for i in 0..<count {
            let t = 1 + Int((Double(start - 1) * Double(i) / Double(count - 1)).rounded())
            if steps.last != t { steps.append(t) }
        }
        return steps.reversed()
    }
}
