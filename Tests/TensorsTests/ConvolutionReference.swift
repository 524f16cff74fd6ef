@testable import Tensors

/// Uniform random values in `range` from `generator`, as a tensor of `shape`.
func random(_ shape: [Int], _ range: ClosedRange<Float>, _ generator: inout SeededGenerator) -> Tensor {
    Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in Float.random(in: range, using: &generator) })
}

/// The 3×3, stride-1, padding-1 convolution summed in double precision: the reference the fast
/// forms (Winograd, the direct kernel) are held to.
func referenceConvolution(_ x: Tensor, _ w: Tensor, _ bias: Tensor) -> [Double] {
    let (n, c, h, wd, o) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3], w.shape[0])
    var y = [Double](repeating: 0, count: n * o * h * wd)
    for b in 0..<n { for oc in 0..<o { for oy in 0..<h { for ox in 0..<wd {
        var sum = Double(bias.scalars[oc])
        for ci in 0..<c { for i in 0..<3 { for j in 0..<3 {
            let (iy, ix) = (oy - 1 + i, ox - 1 + j)
            guard iy >= 0, iy < h, ix >= 0, ix < wd else { continue }
            sum += Double(w.scalars[((oc * c + ci) * 3 + i) * 3 + j]) * Double(x.scalars[((b * c + ci) * h + iy) * wd + ix])
        } } }
        y[((b * o + oc) * h + oy) * wd + ox] = sum
    } } } }
    return y
}
