import Foundation
import Testing
@testable import Imaging

/// Phone photos store pixels sideways with an EXIF orientation; reading one gives it upright, as
/// Pillow's `ImageOps.exif_transpose` does.
@Suite struct ExifOrientationTests {
    @Test(arguments: 1...8)
    func jpegIsReadUpright(_ orientation: Int) throws {
        let folder = Bundle.module.resourcePath! + "/Fixtures/exif/"
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder + "orientation\(orientation).jpg")))
        #expect(ExifOrientation.of(jpeg: bytes).rawValue == orientation)
        let ours = try ImageFile.read(folder + "orientation\(orientation).jpg")
        let pillow = try ImageFile.read(folder + "orientation\(orientation)_upright.png")
        #expect(ours.width == pillow.width && ours.height == pillow.height)
        #expect(ours.width == (orientation >= 5 ? 16 : 24))
        let worst = zip(ours.samples, pillow.samples).map { abs($0 - $1) * 255 }.max() ?? 0
        #expect(worst <= 2, "orientation \(orientation): \(worst) grey levels from Pillow's")
    }

    @Test func jpegWithoutExifIsUpright() throws {
        let bytes = try JPEGCodec.encode(RGBImage(width: 8, height: 8, fill: (0.2, 0.4, 0.6)), quality: 90)
        #expect(ExifOrientation.of(jpeg: bytes) == .upright)
        #expect(ExifOrientation.of(jpeg: Array(bytes.prefix(3))) == .upright)
    }
}
