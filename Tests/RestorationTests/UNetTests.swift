import Foundation
import Restoration
import Tensors
import Testing

@Suite struct UNetTests {
    @Test func referenceConfigurationHasTheSpecifiedSize() {
        let unet = ConditionalUNet(.benchmarkReference)
        #expect(unet.parameterCount == 21_925_443)  // the same count PyTorch's mirror reports
    }

    @Test func tinyUNetMatchesPyTorch() throws {
        let path = Bundle.module.path(forResource: "Fixtures", ofType: nil)! + "/unet_tiny.safetensors"
        let archive = try Safetensors.read(path)
        let configuration = try JSONDecoder().decode(UNetConfiguration.self, from: Data(archive.metadata["config"]!.utf8))
        let unet = ConditionalUNet(configuration)
        // The fixture keeps PyTorch's inputs, outputs and gradients beside the weights.
        var weights = archive
        weights.tensors = archive.tensors.filter { name, _ in !["input.x", "input.t", "output.y", "grad.x"].contains(name) }
        try unet.load(from: weights)
        let x = Variable(archive.tensors["input.x"]!, requiresGradient: true)
        let y = unet(x, timesteps: archive.tensors["input.t"]!.scalars)
        #expect(y.value.maxAbsDifference(archive.tensors["output.y"]!) < 1e-4)
        y.squared().mean().backward()
        let expected = archive.tensors["grad.x"]!
        let error = (x.gradient! - expected).squaredNorm.squareRoot() / expected.squaredNorm.squareRoot()
        #expect(error < 1e-4, "relative error of the input gradient: \(error)")
    }

    @Test func timestepFeaturesAreSinusoids() {
        let f = timestepFeatures([0, 10], width: 4)
        // half = 2: frequencies 1 and 10000^(−1/2) = 0.01
        #expect(f.scalars[0...3] == [1, 1, 0, 0])
        #expect(abs(f.scalars[4] - cosf(10)) < 1e-6 && abs(f.scalars[5] - cosf(0.1)) < 1e-6)
        #expect(abs(f.scalars[6] - sinf(10)) < 1e-6 && abs(f.scalars[7] - sinf(0.1)) < 1e-6)
    }
}
