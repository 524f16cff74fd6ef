import Tensors

/// What the IPC's architectures share: the residual added to x, and deep features the mask branch reads.
protocol ConditionerBody: Module {
    func residualAndFeatures(_ x: Variable) -> (residual: Variable, features: Variable)
}

/// The Identity Preserving Conditioner g_φ (Sec. 3.1): maps the degraded x to an estimate of y_0.
/// The paper notes the IPC is model-agnostic; ours adds a network's output to x, and that network
/// is the one its configuration names (a U-Net by default, the first residual trunk for old files).
/// Every architecture starts as the identity map.
public final class IdentityPreservingConditioner: Module {
    public let configuration: ConditionerConfiguration
    let body: any ConditionerBody

    public init(_ configuration: ConditionerConfiguration, seed: UInt64 = 0) {
        precondition(configuration.problem == nil, "IPC configuration: \(configuration.problem ?? "")")
        self.configuration = configuration
        var g = SeededGenerator(seed: seed)
        switch configuration.architecture {
        case .residual: body = ResidualTrunkConditioner(width: configuration.widths[0], blocks: configuration.blocks, generator: &g)
        case .unet: body = UNetConditioner(widths: configuration.widths, blocks: configuration.blocks, generator: &g)
        }
    }

    /// g(x) for degraded faces x in [−1, 1], [N, 3, R, R].
    public func callAsFunction(_ x: Variable) -> Variable { x + body.residualAndFeatures(x).residual }

    /// g(x) and the network's deep features (the mask branch's input).
    public func withFeatures(_ x: Variable) -> (output: Variable, features: Variable) {
        let (residual, features) = body.residualAndFeatures(x)
        return (x + residual, features)
    }

    public var namedParameters: [(name: String, variable: Variable)] { body.namedParameters }
}
