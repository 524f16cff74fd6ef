/// A 2-D convolution layer: weight [out, in, k, k], optional bias [out].
public final class Conv2d: Module {
    public let weight: Variable
    public let bias: Variable?
    public let stride: Int, padding: Int

    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0, bias: Bool = true,
                generator: inout SeededGenerator) {
        let fanIn = inChannels * kernel * kernel
        weight = defaultInitialisation([outChannels, inChannels, kernel, kernel], fanIn: fanIn, generator: &generator)
        self.bias = bias ? defaultInitialisation([outChannels], fanIn: fanIn, generator: &generator) : nil
        self.stride = stride
        self.padding = padding
    }

    public func callAsFunction(_ x: Variable) -> Variable {
        conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding)
    }

    /// Weight and bias to zero: a residual branch ending here starts as nothing.
    public func zeroInitialise() {
        weight.assign(Tensor(zeros: weight.shape))
        if let bias { bias.assign(Tensor(zeros: bias.shape)) }
    }

    public var namedParameters: [(name: String, variable: Variable)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }
}

/// A fully connected layer: weight [out, in] (PyTorch's layout), bias [out].
public final class Linear: Module {
    public let weight: Variable
    public let bias: Variable?

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, generator: inout SeededGenerator) {
        weight = defaultInitialisation([outFeatures, inFeatures], fanIn: inFeatures, generator: &generator)
        self.bias = bias ? defaultInitialisation([outFeatures], fanIn: inFeatures, generator: &generator) : nil
    }

    public func callAsFunction(_ x: Variable) -> Variable { linear(x, weight: weight, bias: bias) }

    public var namedParameters: [(name: String, variable: Variable)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }
}

/// Group normalisation with a per-channel affine map (weight starts at 1, bias at 0).
public final class GroupNorm: Module {
    public let groups: Int
    public let weight: Variable, bias: Variable
    public let epsilon: Float

    public init(groups: Int, channels: Int, epsilon: Float = 1e-5) {
        precondition(channels % groups == 0, "GroupNorm: \(channels) channels do not split into \(groups) groups")
        self.groups = groups
        self.epsilon = epsilon
        weight = Variable(Tensor(repeating: 1, shape: [channels]), requiresGradient: true)
        bias = Variable(Tensor(zeros: [channels]), requiresGradient: true)
    }

    public func callAsFunction(_ x: Variable) -> Variable {
        groupNorm(x, groups: groups, weight: weight, bias: bias, epsilon: epsilon)
    }

    /// GroupNorm followed by SiLU, in one pass.
    public func silu(_ x: Variable) -> Variable {
        groupNorm(x, groups: groups, weight: weight, bias: bias, epsilon: epsilon, fusedSiLU: true)
    }

    public var namedParameters: [(name: String, variable: Variable)] { [("weight", weight), ("bias", bias)] }
}
