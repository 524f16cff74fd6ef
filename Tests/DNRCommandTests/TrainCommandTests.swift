import Foundation
import Restoration
import Testing

@Suite struct TrainCommandTests {
    /// With --from-models and a zero learning rate, the exported denoiser is the one it started from, and
    /// its card says so.
    @Test func startsFromTheExportedWeights() throws {
        let weights = try tinyWeights(), data = try EvalCommandTests().faces(), cache = try scratchFolder() + "/cache"
        let original = try ModelStore.loadUNet(from: weights).parameterTensors
        let originalLine = try #require(ModelFingerprint.list(in: weights).first { $0.file == ModelStore.unetFile }).line
        let arguments = ["train", "diffusion", "--data", data, "--split", "dev", "--models", weights, "--steps", "1", "--batch", "2",
                         "--lr", "0", "--cache", cache, "--sample-every", "1"]
        let result = try runDNR(arguments + ["--from-models"])
        #expect(result.status == 0, "\(result.standardError)")
        let trained = try ModelStore.loadUNet(from: weights).parameterTensors
        #expect(trained.count == original.count)
        for (a, b) in zip(original, trained) {
            #expect(a.0 == b.0 && zip(a.1.scalars, b.1.scalars).allSatisfy { abs($0 - $1) <= 1e-6 }, "\(a.0)")
        }
        let card = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: weights + "/unet.card.json"))) as? [String: Any]
        #expect(card?["started_from"] as? String == originalLine)
        // No machine paths in the card: the command and the data are relative.
        for key in ["command", "data"] { #expect(!((card?[key] as? String) ?? "/").contains(" /") && !((card?[key] as? String) ?? "/").hasPrefix("/"), "\(key)") }
        #expect(try runDNR(arguments + ["--from-models", "--resume"]).standardError.contains("choose one"))
    }
}
