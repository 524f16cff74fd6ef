import FaceID
import FileIO

/// One split of a regression tree: go left when value[first] − value[second] > threshold.
struct TreeSplit: Sendable {
    var first: Int, second: Int, threshold: Float
}

/// A complete binary regression tree (dlib's `impl::regression_tree`): splits in breadth-first
/// order, one shape update per leaf.
struct RegressionTree: Sendable {
    var splits: [TreeSplit]
    var leaves: [[Float]]

    func leaf(for values: [Float]) -> [Float] {
        var i = 0
        while i < splits.count {
            let s = splits[i]
            i = values[s.first] - values[s.second] > s.threshold ? 2 * i + 1 : 2 * i + 2
        }
        return leaves[i - splits.count]
    }
}

/// The parsed landmark predictor: dlib's ensemble of regression trees (Kazemi & Sullivan).
package struct LandmarkModel: Sendable {
    var meanShape: [Float]          // x0, y0, x1, y1, … in the box's unit square
    var cascades: [[RegressionTree]]
    var anchors: [[Int]]            // per cascade, per feature pixel: the landmark it hangs from
    var deltas: [[(Float, Float)]]  // … and its offset from it in the mean shape
}

/// The file this port was written for: `shape_predictor_5_face_landmarks.dat` from
/// face-recognition-models 0.3.0 (Davis King, CC0; trained on dlib's own 5-point data set).
public enum LandmarkModelFile: DlibModelFileFormat {
    public static let name = "shape_predictor_5_face_landmarks.dat"
    public static let sha256 = "c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888"

    package static func parse(_ bytes: [UInt8], path: String) throws(DlibModelError) -> LandmarkModel {
        var r = DlibReader(bytes: bytes, path: path)
        guard try r.signed() == 1 else { throw r.malformed("shape_predictor version must be 1; this is not a dlib landmark predictor") }
        let meanShape = try column(&r)
        guard meanShape.count >= 2, meanShape.count % 2 == 0 else { throw r.malformed("the mean shape must hold x, y pairs") }
        let landmarks = meanShape.count / 2
        let cascadeCount = try count(&r, limit: 100)
        var cascades: [[RegressionTree]] = []
        for _ in 0..<cascadeCount {
            var trees: [RegressionTree] = []
            for _ in 0..<(try count(&r, limit: 10_000)) {
                var splits: [TreeSplit] = []
                for _ in 0..<(try count(&r, limit: 1 << 16)) {
                    splits.append(TreeSplit(first: try r.unsigned(), second: try r.unsigned(), threshold: Float(try r.real())))
                }
                var leaves: [[Float]] = []
                for _ in 0..<(try count(&r, limit: 1 << 17)) {
                    let leaf = try column(&r)
                    guard leaf.count == meanShape.count else { throw r.malformed("a leaf's shape update has \(leaf.count) values, not \(meanShape.count)") }
                    leaves.append(leaf)
                }
                guard leaves.count == splits.count + 1 else { throw r.malformed("a tree has \(splits.count) splits but \(leaves.count) leaves") }
                trees.append(RegressionTree(splits: splits, leaves: leaves))
            }
            cascades.append(trees)
        }
        var anchors: [[Int]] = []
        guard try count(&r, limit: 100) == cascadeCount else { throw r.malformed("anchor lists do not match the cascades") }
        for _ in 0..<cascadeCount {
            var list: [Int] = []
            for _ in 0..<(try count(&r, limit: 1 << 16)) {
                let anchor = try r.unsigned()
                guard anchor < landmarks else { throw r.malformed("anchor \(anchor) is not one of the \(landmarks) landmarks") }
                list.append(anchor)
            }
            anchors.append(list)
        }
        var deltas: [[(Float, Float)]] = []
        guard try count(&r, limit: 100) == cascadeCount else { throw r.malformed("offset lists do not match the cascades") }
        for c in 0..<cascadeCount {
            var list: [(Float, Float)] = []
            let n = try count(&r, limit: 1 << 16)
            guard n == anchors[c].count else { throw r.malformed("cascade \(c) has \(anchors[c].count) anchors but \(n) offsets") }
            for _ in 0..<n { list.append((Float(try r.real()), Float(try r.real()))) }
            deltas.append(list)
        }
        for (c, trees) in cascades.enumerated() {
            for tree in trees {
                guard tree.splits.allSatisfy({ $0.first < anchors[c].count && $0.second < anchors[c].count }) else {
                    throw r.malformed("a split in cascade \(c) reads a feature pixel that does not exist")
                }
            }
        }
        guard r.atEnd else { throw r.malformed("\(bytes.count - r.offset) unexpected bytes after the model") }
        return LandmarkModel(meanShape: meanShape, cascades: cascades, anchors: anchors, deltas: deltas)
    }

    private static func count(_ r: inout DlibReader, limit: Int) throws(DlibModelError) -> Int {
        let n = try r.unsigned()
        guard n <= limit else { throw r.malformed("a list of \(n) entries is implausible") }
        return n
    }

    /// A column vector (`matrix<float,0,1>`): −rows, −columns, then the values.
    private static func column(_ r: inout DlibReader) throws(DlibModelError) -> [Float] {
        let rows = -(try r.signed()), columns = -(try r.signed())
        guard columns == 1, (0...10_000).contains(rows) else { throw r.malformed("expected a column vector, found \(rows)×\(columns)") }
        var values: [Float] = []
        values.reserveCapacity(rows)
        for _ in 0..<rows { values.append(Float(try r.real())) }
        return values
    }
}
