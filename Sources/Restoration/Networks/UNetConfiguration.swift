/// The shape of a conditional UNet (guided-diffusion style), saved beside its weights.
public struct UNetConfiguration: Codable, Equatable, Sendable {
    /// Input channels: the noisy image plus every conditioning image, concatenated.
    public var inputChannels: Int
    public var outputChannels: Int
    /// Model resolution R (square).
    public var resolution: Int
    /// Channel width at each level; level i works at R / 2^i.
    public var widths: [Int]
    /// Residual blocks per level, in the encoder and in the decoder.
    public var blocksPerLevel: Int
    /// Levels (by index) whose blocks are followed by self-attention; the middle always has one.
    public var attentionLevels: [Int]
    /// Width of the sinusoidal timestep features, and of the MLP embedding they feed.
    public var timeFeatures: Int
    public var timeEmbedding: Int
    public var groups: Int

    public init(inputChannels: Int, outputChannels: Int, resolution: Int, widths: [Int], blocksPerLevel: Int,
                attentionLevels: [Int], timeFeatures: Int, timeEmbedding: Int, groups: Int = 32) {
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.resolution = resolution
        self.widths = widths
        self.blocksPerLevel = blocksPerLevel
        self.attentionLevels = attentionLevels
        self.timeFeatures = timeFeatures
        self.timeEmbedding = timeEmbedding
        self.groups = groups
    }

    /// The engine benchmark's reference network (issue: tensor engine): 6 → 3 channels at 64×64,
    /// widths 64/128/256/256, two blocks per level, attention at 16×16 and 8×8 and in the middle.
    public static let benchmarkReference = UNetConfiguration(
        inputChannels: 6, outputChannels: 3, resolution: 64, widths: [64, 128, 256, 256], blocksPerLevel: 2,
        attentionLevels: [2, 3], timeFeatures: 64, timeEmbedding: 256)

    /// The default denoiser ε_θ(y_t, x, g(x), t) at R = 64: 9.1 M parameters, 2.17 GMAC per forward
    /// (within the 15 M / 2.5 GMAC budget), attention at 16×16 and 8×8.
    public static let restorationDefault = UNetConfiguration(
        inputChannels: 9, outputChannels: 3, resolution: 64, widths: [32, 64, 128, 192], blocksPerLevel: 2,
        attentionLevels: [2, 3], timeFeatures: 64, timeEmbedding: 256, groups: 8)

    /// A lighter denoiser for this 2-core machine: one block per level, widths 32/64/96/128, attention
    /// at 16×16, 8×8 and in the middle; about 0.95 GMAC per forward, so training and sampling run
    /// about twice as fast as `restorationDefault`.
    public static let restorationLight = UNetConfiguration(
        inputChannels: 9, outputChannels: 3, resolution: 64, widths: [32, 64, 96, 128], blocksPerLevel: 1,
        attentionLevels: [2, 3], timeFeatures: 64, timeEmbedding: 256, groups: 8)

    /// The named sizes `dnr train diffusion --unet` offers.
    public static let named: [String: UNetConfiguration] = ["default": .restorationDefault, "light": .restorationLight]
}
