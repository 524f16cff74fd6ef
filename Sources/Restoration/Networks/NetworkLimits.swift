/// The largest network shapes dnr builds from a file's configuration. A weights file or checkpoint
/// is a stranger's file: its configuration is checked against these before any tensor is allocated,
/// so a crafted one cannot ask for gigabytes (the largest shape allowed holds about 0.3 G parameters;
/// the shipped networks stay far below every bound).
public enum NetworkLimits {
    public static let width = 512
    public static let levels = 6
    public static let blocks = 4
    public static let resolution = 512
    public static let channels = 64
    public static let timeDimension = 2048
}

/// A network configuration that can say why it must not be built.
public protocol CheckedConfiguration: Decodable {
    /// Why this shape cannot (or must not) be built, or nil.
    var problem: String? { get }
}

extension ConditionerConfiguration: CheckedConfiguration {}

extension UNetConfiguration: CheckedConfiguration {
    public var problem: String? {
        let limits = NetworkLimits.self
        if widths.isEmpty || widths.count > limits.levels { return "a UNet has 1 to \(limits.levels) levels, not \(widths.count)" }
        if widths.contains(where: { $0 < 1 || $0 > limits.width }) { return "widths must be 1…\(limits.width)" }
        if !(1...limits.blocks).contains(blocksPerLevel) { return "blocks per level must be 1…\(limits.blocks)" }
        if !(1...limits.channels).contains(inputChannels) || !(1...limits.channels).contains(outputChannels) { return "channels must be 1…\(limits.channels)" }
        let factor = 1 << (widths.count - 1)
        if resolution < factor || resolution > limits.resolution || resolution % factor != 0 {
            return "resolution \(resolution) must be at most \(limits.resolution) and halve \(widths.count - 1) times"
        }
        if attentionLevels.contains(where: { !widths.indices.contains($0) }) { return "attention levels must be among 0…\(widths.count - 1)" }
        if !(2...limits.timeDimension).contains(timeFeatures) || timeFeatures % 2 != 0 || !(1...limits.timeDimension).contains(timeEmbedding) {
            return "time features (even) and embedding must be at most \(limits.timeDimension)"
        }
        if groups < 1 || widths.contains(where: { $0 % groups != 0 }) { return "every width must be a multiple of the \(groups) groups" }
        return nil
    }
}

extension MaskConfiguration: CheckedConfiguration {
    public var problem: String? {
        if !(1...NetworkLimits.width).contains(width) { return "the mask's width must be 1…\(NetworkLimits.width)" }
        if architecture == .subBranch && !(1...NetworkLimits.width).contains(featureChannels) {
            return "a sub-branch reads 1…\(NetworkLimits.width) feature channels"
        }
        return nil
    }
}
