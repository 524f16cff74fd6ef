extension Variable {
    /// Sum of every element, as a scalar ([] shape).
    public func sum() -> Variable {
        let shape = self.shape
        return record(Tensor(value.sum()), [self]) { g in [Tensor(repeating: g.scalar, shape: shape)] }
    }

    /// Mean of every element, as a scalar.
    public func mean() -> Variable { sum() * (1 / Float(value.count)) }

    /// Sums over `axes`, keeping them as size-1 dimensions.
    public func sum(axes: [Int]) -> Variable {
        let shape = self.shape
        let kept = shape.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
        return record(value.summed(toShape: kept), [self]) { g in [Tensor.broadcasting(Tensor(zeros: shape), g, +)] }
    }

    /// Means over `axes`, keeping them as size-1 dimensions.
    public func mean(axes: [Int]) -> Variable {
        let n = axes.reduce(1) { $0 * shape[$1] }
        return sum(axes: axes) * (1 / Float(n))
    }
}

/// Mean absolute error.
public func l1Loss(_ prediction: Variable, _ target: Variable) -> Variable {
    (prediction - target).abs().mean()
}

/// Mean squared error.
public func mseLoss(_ prediction: Variable, _ target: Variable) -> Variable {
    (prediction - target).squared().mean()
}

/// Cosine similarity between the rows of two [N, D] variables: an [N] variable.
public func cosineSimilarity(_ a: Variable, _ b: Variable, epsilon: Float = 1e-8) -> Variable {
    precondition(a.shape == b.shape && a.shape.count == 2, "cosine similarity needs two [N, D] inputs, got \(a.shape) and \(b.shape)")
    let n = a.shape[0]
    let dot = (a * b).sum(axes: [1])
    let normA = (a.squared().sum(axes: [1]) + epsilon * epsilon).squareRoot()
    let normB = (b.squared().sum(axes: [1]) + epsilon * epsilon).squareRoot()
    return (dot / (normA * normB)).reshaped([n])
}
