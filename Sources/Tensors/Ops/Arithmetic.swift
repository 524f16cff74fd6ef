#if canImport(Glibc)
import Glibc
#endif

// MARK: - Tensor arithmetic (no graph)

extension Tensor {
    public static func + (a: Tensor, b: Tensor) -> Tensor { broadcasting(a, b, +) }
    public static func - (a: Tensor, b: Tensor) -> Tensor { broadcasting(a, b, -) }
    public static func * (a: Tensor, b: Tensor) -> Tensor { broadcasting(a, b, *) }
    public static func / (a: Tensor, b: Tensor) -> Tensor { broadcasting(a, b, /) }
    public static func * (a: Tensor, s: Float) -> Tensor { a.map { $0 * s } }
    public static func * (s: Float, a: Tensor) -> Tensor { a.map { $0 * s } }
    public static func + (a: Tensor, s: Float) -> Tensor { a.map { $0 + s } }
    public static prefix func - (a: Tensor) -> Tensor { a.map { -$0 } }
}

// MARK: - Variable arithmetic with broadcasting

extension Variable {
    public static func + (a: Variable, b: Variable) -> Variable {
        let (sa, sb) = (a.shape, b.shape)
        return record(a.value + b.value, [a, b]) { g in [g.summed(toShape: sa), g.summed(toShape: sb)] }
    }

    public static func - (a: Variable, b: Variable) -> Variable {
        let (sa, sb) = (a.shape, b.shape)
        return record(a.value - b.value, [a, b]) { g in [g.summed(toShape: sa), (-g).summed(toShape: sb)] }
    }

    public static func * (a: Variable, b: Variable) -> Variable {
        let (x, y) = (a.value, b.value)
        return record(x * y, [a, b]) { g in
            [a.requiresGradient ? (g * y).summed(toShape: x.shape) : nil,
             b.requiresGradient ? (g * x).summed(toShape: y.shape) : nil]
        }
    }

    public static func / (a: Variable, b: Variable) -> Variable {
        let (x, y) = (a.value, b.value)
        return record(x / y, [a, b]) { g in
            [a.requiresGradient ? (g / y).summed(toShape: x.shape) : nil,
             b.requiresGradient ? Tensor.broadcasting(g * x, y) { gx, d in -gx / (d * d) }.summed(toShape: y.shape) : nil]
        }
    }

    public static func * (a: Variable, s: Float) -> Variable { record(a.value * s, [a]) { g in [g * s] } }
    public static func * (s: Float, a: Variable) -> Variable { a * s }
    public static func + (a: Variable, s: Float) -> Variable { record(a.value + s, [a]) { g in [g] } }
    public static func - (a: Variable, s: Float) -> Variable { a + (-s) }
    public static prefix func - (a: Variable) -> Variable { a * -1 }

    /// Elementwise square.
    public func squared() -> Variable {
        let x = value
        return record(x.map { $0 * $0 }, [self]) { g in [Tensor.broadcasting(g, x) { $0 * 2 * $1 }] }
    }

    /// Elementwise square root (of non-negative values).
    public func squareRoot() -> Variable {
        let y = value.map { $0.squareRoot() }
        return record(y, [self]) { g in [Tensor.broadcasting(g, y) { $0 * 0.5 / $1 }] }
    }

    public func exp() -> Variable {
        let y = value.map { expf($0) }
        return record(y, [self]) { g in [g * y] }
    }

    public func log() -> Variable {
        let x = value
        return record(x.map { logf($0) }, [self]) { g in [g / x] }
    }

    public func abs() -> Variable {
        let x = value
        return record(x.map { Swift.abs($0) }, [self]) { g in
            [Tensor.broadcasting(g, x) { $1 > 0 ? $0 : ($1 < 0 ? -$0 : 0) }]
        }
    }

    /// Values limited to [low, high]; the gradient passes where the value was inside.
    public func clamped(_ low: Float, _ high: Float) -> Variable {
        let x = value
        return record(x.map { Swift.min(Swift.max($0, low), high) }, [self]) { g in
            [Tensor.broadcasting(g, x) { $1 >= low && $1 <= high ? $0 : 0 }]
        }
    }
}
