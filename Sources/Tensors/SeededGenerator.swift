/// A seeded, reproducible random number generator (xoshiro256**, seeded through SplitMix64).
///
/// The same seed gives the same stream on every run and machine; `state` can be saved and
/// restored so that an interrupted job resumes its exact stream.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Equatable {
    public private(set) var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var mixer = seed
        state = (Self.splitMix(&mixer), Self.splitMix(&mixer), Self.splitMix(&mixer), Self.splitMix(&mixer))
    }

    public init(state: (UInt64, UInt64, UInt64, UInt64)) {
        precondition(state != (0, 0, 0, 0), "xoshiro256** cannot run from an all-zero state")
        self.state = state
    }

    /// A generator for an independent stream derived from this seed and a label, for example a
    /// file name, so that adding an item to a batch does not change the draws of the others.
    public init(seed: UInt64, stream label: String) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a, stable across runs (unlike Hasher)
        for byte in label.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        self.init(seed: seed ^ hash)
    }

    public static func == (a: SeededGenerator, b: SeededGenerator) -> Bool { a.state == b.state }

    private static func splitMix(_ x: inout UInt64) -> UInt64 {
        x &+= 0x9e37_79b9_7f4a_7c15
        var z = x
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    public mutating func next() -> UInt64 {
        let result = rotl(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotl(state.3, 45)
        return result
    }

    @inline(__always) private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextUniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform in [lower, upper).
    public mutating func nextUniform(in range: ClosedRange<Double>) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * nextUniform()
    }

    /// A standard normal draw (Box–Muller; one draw per call so the state alone defines the stream).
    public mutating func nextNormal() -> Double {
        let (a, _) = nextNormalPair()
        return a
    }

    /// Two independent standard normal draws.
    public mutating func nextNormalPair() -> (Double, Double) {
        let u1 = 1.0 - nextUniform()  // (0, 1]: the logarithm stays finite
        let u2 = nextUniform()
        let radius = (-2.0 * _log(u1)).squareRoot()
        let angle = 2.0 * Double.pi * u2
        return (radius * _cos(angle), radius * _sin(angle))
    }

    /// Fills `buffer` with normal draws of the given mean and standard deviation.
    public mutating func fillNormal(_ buffer: UnsafeMutableBufferPointer<Float>, mean: Float = 0, standardDeviation: Float = 1) {
        var i = 0
        while i < buffer.count {
            let (a, b) = nextNormalPair()
            buffer[i] = mean + standardDeviation * Float(a)
            if i + 1 < buffer.count { buffer[i + 1] = mean + standardDeviation * Float(b) }
            i += 2
        }
    }

    /// `count` normal draws of the given mean and standard deviation.
    public mutating func normals(count: Int, mean: Float = 0, standardDeviation: Float = 1) -> [Float] {
        var values = [Float](repeating: 0, count: count)
        values.withUnsafeMutableBufferPointer { fillNormal($0, mean: mean, standardDeviation: standardDeviation) }
        return values
    }
}
