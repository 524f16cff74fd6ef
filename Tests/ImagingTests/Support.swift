import Foundation
import Imaging
import TestSupport

enum Fixture {
    static var folder: String { Bundle.module.path(forResource: "Fixtures", ofType: nil)! }
    static func path(_ name: String) -> String { folder + "/" + name }
    static func json(_ name: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path(name))))
    }
}


func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "lengths differ: \(a.count) vs \(b.count)")
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

func meanAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).reduce(0) { $0 + abs($1.0 - $1.1) } / Float(a.count)
}

func floats(_ value: Any) -> [Float] { (value as! [Any]).map { Float(($0 as! NSNumber).doubleValue) } }

/// A deterministic smooth test image (gradients plus a soft blob), so codecs behave as on photos.
func smoothImage(width: Int = 48, height: Int = 40) -> RGBImage {
    var image = RGBImage(width: width, height: height, fill: (0, 0, 0))
    for y in 0..<height {
        for x in 0..<width {
            let u = Float(x) / Float(width - 1), v = Float(y) / Float(height - 1)
            let blob = expf(-((u - 0.5) * (u - 0.5) + (v - 0.4) * (v - 0.4)) * 12)
            image[0, y, x] = 0.2 + 0.6 * u
            image[1, y, x] = 0.3 + 0.5 * blob
            image[2, y, x] = 0.8 - 0.6 * v
        }
    }
    return image
}
