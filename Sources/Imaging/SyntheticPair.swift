import Tensors

/// One degraded file made from a clean one: what was done, so it can be reported and repeated.
public struct SyntheticPairRecord: Codable, Sendable, Equatable {
    public var input: String
    public var output: String
    public var seed: UInt64
    public var resolution: Int
    public var parameters: DegradationParameters
}

public enum SyntheticPair {
    /// Reads `input`, brings it to `size`×`size` when given (centre square, area filter when
    /// shrinking, bicubic when enlarging), degrades it with parameters drawn from the paper's
    /// ranges at that resolution (any `fixed` value taking its place), and writes `output`.
    public static func make(input: String, output: String, size: Int?, fixed: PartialDegradation,
                            seed: UInt64) throws(ImageError) -> SyntheticPairRecord {
        var clean = try ImageFile.read(input)
        if let size {
            clean = clean.centreSquare()
            let filter: ResamplingFilter = size < clean.width ? .box : .bicubic
            if size != clean.width { clean = clean.resized(width: size, height: size, filter: filter).clamped() }
        }
        let resolution = min(clean.width, clean.height)
        guard resolution >= ImageLimits.minimumFaceSide else { throw .tooSmall(path: input, side: resolution) }
        let (degraded, parameters) = try Degradation.random(clean, ranges: .paper(resolution: resolution), fixed: fixed, seed: seed)
        try ImageFile.write(degraded, to: output)
        return SyntheticPairRecord(input: input, output: output, seed: seed, resolution: resolution, parameters: parameters)
    }
}
