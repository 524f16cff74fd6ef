import Foundation
import Imaging
import Restoration
import TestSupport
import Testing

@Suite struct MetricTests {
    struct Expected: Decodable { let psnr: Double; let ssim: Double; let sharpness_clean: Double; let sharpness_degraded: Double }

    @Test func matchScikitImage() throws {
        let folder = Bundle.module.path(forResource: "Fixtures", ofType: nil)!
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/metrics.json")))
        let clean = try ImageFile.read(packageRoot + "/Samples/astronaut_chip128.png")
        let degraded = try ImageFile.read(folder + "/astronaut_blur_jpeg.png")
        #expect(abs(ImageMetrics.psnr(clean, degraded) - expected.psnr) < 1e-4)
        #expect(abs(ImageMetrics.ssim(clean, degraded) - expected.ssim) < 1e-5)
        #expect(abs(ImageMetrics.sharpness(clean) - expected.sharpness_clean) < 1e-3)
        #expect(abs(ImageMetrics.sharpness(degraded) - expected.sharpness_degraded) < 1e-3)
        #expect(ImageMetrics.ssim(clean, clean) > 0.999999 && ImageMetrics.psnr(clean, clean) == .infinity)
    }
}
