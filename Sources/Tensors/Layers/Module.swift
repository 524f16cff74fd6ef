/// Something that owns trainable parameters, each under a stable dotted name (for example
/// `down.0.conv1.weight`) — the names used in safetensors files.
public protocol Module: AnyObject {
    var namedParameters: [(name: String, variable: Variable)] { get }
}

extension Module {
    public var parameters: [Variable] { namedParameters.map(\.variable) }
    public var parameterCount: Int { namedParameters.reduce(0) { $0 + $1.variable.value.count } }

    /// Clears every parameter's gradient.
    public func zeroGradients() { for p in parameters { p.gradient = nil } }
}

/// The parameters of `child` with `name.` in front of theirs.
public func nested(_ name: String, _ child: Module?) -> [(name: String, variable: Variable)] {
    guard let child else { return [] }
    return child.namedParameters.map { (name + "." + $0.name, $0.variable) }
}

/// The parameters of a list of children, named by index.
public func nested(_ name: String, _ children: [Module]) -> [(name: String, variable: Variable)] {
    children.enumerated().flatMap { nested("\(name).\($0.offset)", $0.element) }
}

/// PyTorch's default initialisation for convolutions and linear layers: U(−1/√fan_in, 1/√fan_in).
func defaultInitialisation(_ shape: [Int], fanIn: Int, generator: inout SeededGenerator) -> Variable {
    let bound = 1 / Float(fanIn).squareRoot()
    return Variable(Tensor(randomUniform: shape, in: -bound...bound, generator: &generator), requiresGradient: true)
}
