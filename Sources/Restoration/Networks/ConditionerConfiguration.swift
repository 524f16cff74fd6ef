/// The shape of the IPC g_φ, saved beside its weights (so the old and new IPC both load).
public struct ConditionerConfiguration: Codable, Equatable, Sendable {
    public enum Architecture: String, Codable, Sendable {
        /// The first IPC: one residual trunk at half resolution (space-to-depth in, depth-to-space out).
        case residual
        /// A four-scale U-Net whose deepest level sees the whole face.
        case unet
    }

    public var architecture: Architecture
    public var resolution: Int
    /// residual: the trunk's width (one value); unet: the width at each scale, full resolution first.
    public var widths: [Int]
    /// residual: blocks in the trunk; unet: residual blocks per scale on each side of the U.
    public var blocks: Int

    /// The first IPC's shape.
    public init(resolution: Int, width: Int, blocks: Int) {
        self.init(architecture: .residual, resolution: resolution, widths: [width], blocks: blocks)
    }

    public init(architecture: Architecture, resolution: Int, widths: [Int], blocks: Int) {
        self.architecture = architecture
        self.resolution = resolution
        self.widths = widths
        self.blocks = blocks
    }

    public static func unet(resolution: Int, widths: [Int], blocks: Int) -> ConditionerConfiguration {
        ConditionerConfiguration(architecture: .unet, resolution: resolution, widths: widths, blocks: blocks)
    }

    /// The default at R = 64: a U-Net over 64, 32, 16 and 8 px, about 4.8 M parameters.
    public static let standard = ConditionerConfiguration.unet(resolution: 64, widths: [32, 64, 128, 256], blocks: 2)

    /// The first IPC (about 0.6 M parameters), kept so that its weights still load.
    public static let firstResidual = ConditionerConfiguration(resolution: 64, width: 64, blocks: 8)

    enum CodingKeys: String, CodingKey { case architecture, resolution, widths, width, blocks }

    /// Files written before the U-Net existed have no "architecture" and one "width".
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        architecture = try c.decodeIfPresent(Architecture.self, forKey: .architecture) ?? .residual
        resolution = try c.decode(Int.self, forKey: .resolution)
        blocks = try c.decode(Int.self, forKey: .blocks)
        switch architecture {
        case .residual: widths = [try c.decode(Int.self, forKey: .width)]
        case .unet: widths = try c.decode([Int].self, forKey: .widths)
        }
        if let problem = problem {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: problem))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(architecture, forKey: .architecture)
        try c.encode(resolution, forKey: .resolution)
        try c.encode(blocks, forKey: .blocks)
        switch architecture {
        case .residual: try c.encode(widths.first ?? 0, forKey: .width)
        case .unet: try c.encode(widths, forKey: .widths)
        }
    }

    /// Why this shape cannot be built, or nil.
    public var problem: String? {
        let scales = architecture == .unet ? widths.count : 2
        let factor = 1 << (scales - 1)
        if architecture == .residual && widths.count != 1 { return "a residual IPC has one width, not \(widths.count)" }
        if widths.isEmpty || widths.count > NetworkLimits.levels { return "an IPC has 1 to \(NetworkLimits.levels) scales, not \(widths.count)" }
        if widths.contains(where: { $0 < 1 || $0 > NetworkLimits.width }) { return "widths must be 1…\(NetworkLimits.width)" }
        // The residual trunk stacks its blocks at one width: allow as many as the U-Net's levels × blocks.
        if blocks < 0 || blocks > NetworkLimits.blocks * NetworkLimits.levels { return "blocks must be 0…\(NetworkLimits.blocks * NetworkLimits.levels)" }
        if resolution < factor || resolution > NetworkLimits.resolution || resolution % factor != 0 {
            return "resolution \(resolution) must be at most \(NetworkLimits.resolution) and halve \(scales - 1) times"
        }
        return nil
    }
}
