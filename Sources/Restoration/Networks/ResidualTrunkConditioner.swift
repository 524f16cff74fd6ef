import Tensors

/// The first IPC's body: space-to-depth, a trunk of residual blocks at half resolution,
/// depth-to-space. Its features (for the mask branch) are the trunk's output, at half resolution.
final class ResidualTrunkConditioner: Module, ConditionerBody {
    let head: Conv2d, trunk: [(Conv2d, Conv2d)], tail: Conv2d

    init(width w: Int, blocks: Int, generator g: inout SeededGenerator) {
        head = Conv2d(12, w, kernel: 3, padding: 1, generator: &g)
        trunk = (0..<blocks).map { _ in
            (Conv2d(w, w, kernel: 3, padding: 1, generator: &g), Conv2d(w, w, kernel: 3, padding: 1, generator: &g))
        }
        tail = Conv2d(w, 12, kernel: 3, padding: 1, generator: &g)
        tail.zeroInitialise()
    }

    func residualAndFeatures(_ x: Variable) -> (residual: Variable, features: Variable) {
        var h = head(x.pixelUnshuffled(factor: 2)).relu()
        for (a, b) in trunk { h = h + b(a(h).relu()) }
        return (tail(h).pixelShuffled(factor: 2), h)
    }

    var namedParameters: [(name: String, variable: Variable)] {
        var list = nested("head", head)
        for (i, (a, b)) in trunk.enumerated() { list += nested("trunk.\(i).0", a) + nested("trunk.\(i).1", b) }
        return list + nested("tail", tail)
    }
}
