/// A tensor in a differentiable computation: its value, and — once `backward()` has run — the
/// gradient of the loss with respect to it.
///
/// The graph is recorded as it runs (define-by-run): an op on variables of which at least one
/// requires a gradient returns a variable that remembers its parents and how to send a gradient
/// back to them. Inside `withoutGradients { … }`, or when no input requires a gradient, nothing is
/// recorded, so inference pays nothing for the tape.
public final class Variable {
    public private(set) var value: Tensor
    /// The accumulated gradient, for variables created with `requiresGradient` (leaves).
    public var gradient: Tensor?
    public let requiresGradient: Bool
    let parents: [Variable]
    let backwardFunction: ((Tensor) -> [Tensor?])?

    /// A leaf: an input or a parameter.
    public init(_ value: Tensor, requiresGradient: Bool = false) {
        self.value = value
        self.requiresGradient = requiresGradient
        self.parents = []
        self.backwardFunction = nil
    }

    init(value: Tensor, parents: [Variable], backward: @escaping (Tensor) -> [Tensor?]) {
        self.value = value
        self.requiresGradient = true
        self.parents = parents
        self.backwardFunction = backward
    }

    public var shape: [Int] { value.shape }
    public var isLeaf: Bool { backwardFunction == nil }

    /// Replaces a leaf's value (an optimiser step, loading weights); the shape must not change.
    public func assign(_ newValue: Tensor) {
        precondition(isLeaf, "only leaf variables can be assigned")
        precondition(newValue.shape == value.shape, "cannot assign shape \(newValue.shape) to a variable of shape \(value.shape)")
        value = newValue
    }

    /// The same value, cut from the graph.
    public func detached() -> Variable { Variable(value) }
}

/// Whether ops record the graph; see `withoutGradients`.
public enum GradientMode {
    @TaskLocal public static var isEnabled = true
}

/// Runs `body` with graph recording off: inference, EMA updates, evaluation.
public func withoutGradients<T>(_ body: () throws -> T) rethrows -> T {
    try GradientMode.$isEnabled.withValue(false, operation: body)
}

/// Runs `body` with graph recording on, even inside `withoutGradients` (a gradient that is part of
/// a forward computation, such as identity guidance during evaluation).
public func withGradients<T>(_ body: () throws -> T) rethrows -> T {
    try GradientMode.$isEnabled.withValue(true, operation: body)
}

/// The result of an op: recorded with its backward function when gradients are wanted.
@inline(__always)
func record(_ value: Tensor, _ parents: [Variable], _ backward: @escaping (Tensor) -> [Tensor?]) -> Variable {
    if GradientMode.isEnabled && parents.contains(where: { $0.requiresGradient }) {
        return Variable(value: value, parents: parents, backward: backward)
    }
    return Variable(value)
}

extension Variable {
    /// Back-propagates from this variable. A scalar starts from 1; otherwise pass `seed`, the
    /// gradient of the final loss with respect to this variable. Leaf gradients accumulate.
    public func backward(seed: Tensor? = nil) {
        let start = seed ?? {
            precondition(value.count == 1, "backward() from a non-scalar of shape \(shape) needs a seed")
            return Tensor(repeating: 1, shape: shape)
        }()
        precondition(start.shape == shape, "seed shape \(start.shape) differs from \(shape)")
        guard requiresGradient else { return }

        // Reverse topological order by an iterative depth-first search.
        var order: [Variable] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Variable, Bool)] = [(self, false)]
        while let (node, expanded) = stack.popLast() {
            if expanded { order.append(node); continue }
            if !visited.insert(ObjectIdentifier(node)).inserted { continue }
            stack.append((node, true))
            for parent in node.parents where parent.requiresGradient && !visited.contains(ObjectIdentifier(parent)) {
                stack.append((parent, false))
            }
        }

        var pending: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): start]
        for node in order.reversed() {
            guard let upstream = pending.removeValue(forKey: ObjectIdentifier(node)) else { continue }
            guard let backward = node.backwardFunction else {
                node.gradient = node.gradient.map { $0 + upstream } ?? upstream
                continue
            }
            let grads = backward(upstream)
            for (parent, grad) in zip(node.parents, grads) where parent.requiresGradient {
                guard let grad else { continue }
                precondition(grad.shape == parent.shape, "gradient shape \(grad.shape) for a variable of shape \(parent.shape)")
                let key = ObjectIdentifier(parent)
                if let existing = pending[key] { pending[key] = existing + grad } else { pending[key] = grad }
            }
        }
    }
}
