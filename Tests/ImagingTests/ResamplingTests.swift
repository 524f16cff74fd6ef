import Foundation
import Imaging
import TestSupport
import Testing

@Suite struct ResamplingTests {
    @Test func matchesPillowFloatResize() throws {
        let fixture = try #require(try Fixture.json("resampling.json") as? [String: Any])
        let input = RGBImage(width: fixture["width"] as! Int, height: fixture["height"] as! Int, samples: floats(fixture["input"]!))
        let cases = fixture["cases"] as! [[String: Any]]
        #expect(cases.count == 12)
        for c in cases {
            let filter = try #require(ResamplingFilter(rawValue: c["filter"] as! String))
            let box = (c["box"] as? [Double]).map { CropBox(x0: $0[0], y0: $0[1], x1: $0[2], y1: $0[3]) }
            let out = input.resized(width: c["width"] as! Int, height: c["height"] as! Int, filter: filter, box: box)
            let error = maxAbsDifference(out.samples, floats(c["expected"]!))
            #expect(error < 2e-6, "\(filter) to \(out.width)×\(out.height) box \(String(describing: box)): max error \(error)")
        }
    }

    @Test func boxFilterAveragesIntegerBlocks() {
        let image = smoothImage(width: 8, height: 6)
        let half = image.resized(width: 4, height: 3, filter: .box)
        for c in 0..<3 {
            for y in 0..<3 {
                for x in 0..<4 {
                    let mean = (image[c, 2 * y, 2 * x] + image[c, 2 * y, 2 * x + 1] + image[c, 2 * y + 1, 2 * x] + image[c, 2 * y + 1, 2 * x + 1]) / 4
                    #expect(abs(half[c, y, x] - mean) < 1e-6)
                }
            }
        }
    }

    @Test func identityResizeKeepsTheImage() {
        let image = smoothImage(width: 10, height: 7)
        for filter in ResamplingFilter.allCases {
            #expect(maxAbsDifference(image.resized(width: 10, height: 7, filter: filter).samples, image.samples) < 1e-6)
        }
    }

    @Test func gaussianBlurMatchesSciPy() throws {
        let fixture = try #require(try Fixture.json("blur.json") as? [String: Any])
        let input = RGBImage(width: fixture["width"] as! Int, height: fixture["height"] as! Int, samples: floats(fixture["input"]!))
        for c in fixture["cases"] as! [[String: Any]] {
            let sigma = c["sigma"] as! Double
            let error = maxAbsDifference(input.gaussianBlurred(sigma: sigma).samples, floats(c["expected"]!))
            #expect(error < 1e-5, "σ = \(sigma): max error \(error)")
        }
    }

    @Test func tensorConversionMapsToSymmetricRange() {
        let image = RGBImage(width: 2, height: 1, samples: [0, 1, 0.5, 0.25, 0.75, 1])
        let tensor = image.tensor()
        #expect(tensor.shape == [1, 3, 1, 2])
        #expect(tensor.scalars == [-1, 1, 0, -0.5, 0.5, 1])
        #expect(RGBImage(tensor: tensor) == image)
    }
}

@Suite struct FaceFramingTests {
    @Test func ffhqBoxAt512() {
        let box = FaceFraming.ffhqChipBox(imageSide: 512)
        #expect(box == CropBox(x0: 80.5, y0: 130.5, x1: 435.5, y1: 485.5))
        let box1024 = FaceFraming.ffhqChipBox(imageSide: 1024)
        #expect(box1024 == CropBox(x0: 161, y0: 261, x1: 871, y1: 971))
    }

    @Test func chipMatchesPillowCropResize() throws {
        let face = try ImageFile.read(packageRoot + "/Samples/real-lq-ffhq512/Adele_crop.png")
        let chip = try FaceFraming.chip(fromFFHQ: face, resolution: 128)
        let pillow = try ImageFile.read(Fixture.path("adele_chip128_pillow.png"))
        // Pillow resamples 8-bit images in fixed point and rounds, so allow one grey level.
        #expect(maxAbsDifference(chip.quantized().samples, pillow.samples) <= 1.01 / 255)
    }

    @Test func nonSquareIsRefused() {
        #expect(throws: FramingError.notSquare(width: 4, height: 3)) {
            try FaceFraming.chip(fromFFHQ: RGBImage(width: 4, height: 3, fill: (0, 0, 0)), resolution: 2)
        }
    }
}
