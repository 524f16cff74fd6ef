@testable import FaceID
import Foundation
import Imaging
import Tensors
import TestSupport
import Testing

let modelPath = packageRoot + "/Models/" + RecognizerModelFile.name
func fixture(_ name: String) -> String { Bundle.module.path(forResource: "Fixtures", ofType: nil)! + "/" + name }

/// One recognizer for all tests (loading parses 22 MB).
let sharedRecognizer: FaceRecognizer = try! FaceRecognizer(modelPath: modelPath)

struct ChipFixture: Decodable {
    let file: String
    let identity: String
    let descriptor: [Float]
}

struct DescriptorFixtures: Decodable {
    let chips: [ChipFixture]
}

func loadChips() throws -> (Tensor, [ChipFixture]) {
    let fixtures = try JSONDecoder().decode(DescriptorFixtures.self, from: Data(contentsOf: URL(fileURLWithPath: fixture("descriptors.json"))))
    let images = try fixtures.chips.map { try ImageFile.read(fixture($0.file)).tensor() }
    return (Tensor.concatenate(images, axis: 0), fixtures.chips)
}

@Suite struct FaceRecognizerTests {
    /// The folded affine layers (the default) against the layers kept apart as in dlib's file:
    /// descriptors, face-perceptual features and input gradients agree to float rounding.
    @Test func foldedAffineLayersMatchTheFile() throws {
        let plain = try FaceRecognizer(modelPath: modelPath, foldAffine: false)
        let (batch, _) = try loadChips()
        let four = batch.slice(axis: 0, 0..<4)
        let (folded, separate) = (withoutGradients { sharedRecognizer.descriptors(Variable(four)) }.value,
                                  withoutGradients { plain.descriptors(Variable(four)) }.value)
        #expect(folded.maxAbsDifference(separate) <= 2e-5, "descriptors differ by \(folded.maxAbsDifference(separate))")
        func inputGradient(_ r: FaceRecognizer) -> Tensor {
            let x = Variable(four, requiresGradient: true)
            (r.descriptors(x).sum() + r.perceptualDistance(x, Variable(batch.slice(axis: 0, 4..<8))).sum()).backward()
            return x.gradient!
        }
        let (g1, g2) = (inputGradient(sharedRecognizer), inputGradient(plain))
        // Relative to the gradient's norm: the largest single difference depends on the BLAS kernels (where a ReLU's
        // input lies within rounding of zero, either order of summation may flip it). Measured relative errors:
        // 1.2e-6 with the Haswell or Cooperlake kernels, 3.6e-5 with Prescott's (which a test process gets on a CPU
        // that OpenBLAS 0.3.21 does not know: only dnr's own launch chooses the core, `BLASCore`).
        let difference = zip(g1.scalars, g2.scalars).reduce(0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }.squareRoot()
        let norm = g2.scalars.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
        #expect(difference <= 1e-4 * norm, "input gradients differ by \(difference / norm) of their norm")
    }

    @Test func descriptorsMatchDlibOnAllTwelveChips() throws {
        let (batch, chips) = try loadChips()
        let descriptors = withoutGradients { sharedRecognizer.descriptors(Variable(batch)) }.value
        #expect(descriptors.shape == [12, 128])
        for (i, chip) in chips.enumerated() {
            let ours = Array(descriptors.scalars[(i * 128)..<((i + 1) * 128)])
            let comparison = IdentityComparison(ours, chip.descriptor)
            let maxDifference = zip(ours, chip.descriptor).map { abs($0 - $1) }.max()!
            #expect(comparison.cosine >= 0.99999, "\(chip.file): cosine \(comparison.cosine)")
            #expect(maxDifference <= 1e-4, "\(chip.file): max abs difference \(maxDifference)")
        }
    }

    @Test func samePersonRuleSeparatesTheFixturePairs() throws {
        let (batch, chips) = try loadChips()
        let d = withoutGradients { sharedRecognizer.descriptors(Variable(batch)) }.value.scalars
        for i in 0..<12 {
            for j in (i + 1)..<12 {
                let c = IdentityComparison(Array(d[(i * 128)..<((i + 1) * 128)]), Array(d[(j * 128)..<((j + 1) * 128)]))
                let same = chips[i].identity == chips[j].identity
                #expect(c.samePerson == same, "\(chips[i].file) vs \(chips[j].file): distance \(c.distance)")
            }
        }
    }

    @Test func inputGradientMatchesTheFixture() throws {
        let (batch, chips) = try loadChips()
        let chip05 = batch.slice(axis: 0, 5..<6)
        let u = Variable(Tensor(shape: [1, 128], scalars: chips[6].descriptor))
        let x = Variable(withoutGradients { sharedRecognizer.networkInput(Variable(chip05)) }.value, requiresGradient: true)
        let loss = (sharedRecognizer.descriptors(normalisedInput: x) * u).sum()
        loss.backward()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: fixture("grad_chip05_dot_chip06.f32")))
        let expected = bytes.withUnsafeBytes { raw in (0..<(3 * 150 * 150)).map { Float(bitPattern: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self).littleEndian) } }
        let ours = x.gradient!.scalars
        let error = zip(ours, expected).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }.squareRoot()
            / expected.reduce(0.0) { $0 + Double($1 * $1) }.squareRoot()
        #expect(error <= 1e-3, "relative L2 error \(error)")
        #expect(abs(loss.value.scalar - 2.293985645905965) < 1e-4)
    }

    @Test func gradientThroughTheResizeMatchesFiniteDifferences() throws {
        // A 64×64 chip (our model resolution), through the bilinear resize to 150, along a random direction.
        let (batch, _) = try loadChips()
        let chip = Variable(batch.slice(axis: 0, 3..<4)).bilinearResized(height: 64, width: 64).value
        let x = Variable(chip, requiresGradient: true)
        let target = withoutGradients { sharedRecognizer.descriptors(Variable(batch.slice(axis: 0, 4..<5))) }
        identityLoss(sharedRecognizer.descriptors(x), target).sum().backward()
        var g = SeededGenerator(seed: 3)
        var direction = Tensor(randomNormal: chip.shape, generator: &g)
        direction = direction * (1 / direction.squaredNorm.squareRoot())  // unit norm: a small step through ReLU kinks
        let h: Float = 1e-2
        func loss(_ t: Tensor) -> Float {
            withoutGradients { identityLoss(sharedRecognizer.descriptors(Variable(t)), target).value.scalar }
        }
        let numeric = (loss(chip + direction * h) - loss(chip - direction * h)) / (2 * h)
        let analytic = (x.gradient! * direction).sum()
        #expect(abs(numeric - analytic) <= 0.02 * abs(numeric) + 1e-4, "numeric \(numeric) vs analytic \(analytic)")
    }

    @Test func perceptualDistanceIsZeroForTheSameImageAndGrowsWithBlur() throws {
        let (batch, _) = try loadChips()
        let clean = batch.slice(axis: 0, 1..<2)
        let image = RGBImage(tensor: clean)
        let soft = image.gaussianBlurred(sigma: 1).tensor(), softer = image.gaussianBlurred(sigma: 3).tensor()
        let d = withoutGradients {
            sharedRecognizer.perceptualDistance(Variable(Tensor.concatenate([clean, clean, clean], axis: 0)),
                                                Variable(Tensor.concatenate([clean, soft, softer], axis: 0)))
        }.value.scalars
        #expect(abs(d[0]) < 1e-6)
        #expect(d[1] > 0.001 && d[2] > d[1], "distances \(d)")
    }

    @Test func perceptualDistanceGradient() throws {
        let (batch, _) = try loadChips()
        let a = Variable(batch.slice(axis: 0, 7..<8)).bilinearResized(height: 32, width: 32).value
        let b = Variable(batch.slice(axis: 0, 8..<9)).bilinearResized(height: 32, width: 32).value
        let x = Variable(a, requiresGradient: true)
        sharedRecognizer.perceptualDistance(x, Variable(b)).sum().backward()
        var g = SeededGenerator(seed: 4)
        var direction = Tensor(randomNormal: a.shape, generator: &g)
        direction = direction * (1 / direction.squaredNorm.squareRoot())
        let h: Float = 1e-2
        func loss(_ t: Tensor) -> Float { withoutGradients { sharedRecognizer.perceptualDistance(Variable(t), Variable(b)).value.scalar } }
        let numeric = (loss(a + direction * h) - loss(a - direction * h)) / (2 * h)
        let analytic = (x.gradient! * direction).sum()
        #expect(abs(numeric - analytic) <= 0.02 * abs(numeric) + 1e-4, "numeric \(numeric) vs analytic \(analytic)")
    }
}
