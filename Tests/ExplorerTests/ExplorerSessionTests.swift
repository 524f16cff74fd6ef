import Explorer
import FaceID
import Foundation
import Imaging
import Restoration
import Tensors
import Testing

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

/// Tiny random networks at R = 32 with the real recognizer.
func tinyPipeline() throws -> RestorationPipeline {
    let unet = UNetConfiguration(inputChannels: 9, outputChannels: 3, resolution: 32, widths: [8, 16], blocksPerLevel: 1,
                                 attentionLevels: [1], timeFeatures: 8, timeEmbedding: 16, groups: 4)
    // A random IPC that is not the identity, so that g(x) differs from x and M′ has pixels.
    let ipc = IdentityPreservingConditioner(ConditionerConfiguration(resolution: 32, width: 8, blocks: 1), seed: 1)
    var g = SeededGenerator(seed: 5)
    let tail = ipc.parameters[ipc.parameters.count - 2]
    tail.assign(Tensor(randomNormal: tail.shape, standardDeviation: 0.05, generator: &g))
    return RestorationPipeline(conditioner: ipc,
                               unet: ConditionalUNet(unet, seed: 2), maskBranch: MaskBranch(.standard, seed: 3),
                               recognizer: try FaceRecognizer(modelPath: packageRoot + "/Models/" + RecognizerModelFile.name))
}

@Suite(.serialized) struct ExplorerSessionTests {
    func session(compare: Bool = false) throws -> ExplorerSession {
        let truth = try ImageFile.read(packageRoot + "/Samples/astronaut_chip128.png")
        let degraded = try ImageFile.read(packageRoot + "/Samples/synthetic/astronaut_lq64.png")
        var settings = SamplerSettings()
        settings.startStep = 20
        settings.steps = 5
        settings.scale = 50
        settings.delta = 0.05
        let s = ExplorerSession(pipeline: try tinyPipeline(), degraded: degraded, truth: truth, settings: settings)
        if compare { s.setCompare(true) }
        return s
    }

    @Test func compareRowsShareTheNoise() throws {
        let single = try session()
        single.setMode(.off)
        let compared = try session(compare: true)
        #expect(compared.modes == [.off, .uniform, .masked])
        single.step()
        compared.step()
        // The unguided row of the comparison is the unguided single run, step for step.
        #expect(compared.rows[0].latest!.current == single.rows[0].latest!.current)
        #expect(compared.rows[2].latest!.current != compared.rows[0].latest!.current)
        #expect(compared.rows.allSatisfy { $0.latest!.timestep == 20 })
    }

    @Test func knobsTakeEffect() throws {
        let s = try session()
        let before = s.proxyCoverage
        s.setDelta(0.4)
        #expect(s.proxyCoverage < before)  // a larger δ marks fewer pixels, at once
        s.step(2)
        #expect(s.rows[0].latest!.step == 2)
        s.restart(startStep: 40)  // T′ restarts the run
        #expect(s.rows[0].latest == nil && s.settings.startStep == 40)
        s.finish()
        #expect(s.isFinished && s.rows[0].history.count == 5 && s.rows[0].latest!.isFinal)
    }

    @Test func snapshotWritesEveryPaneAndTheNumbers() throws {
        let s = try session(compare: true)
        s.step(2)
        let folder = NSTemporaryDirectory() + "dnr-snapshot-" + UUID().uuidString
        let files = try s.snapshot(to: folder)
        let names = Set(files.map { ($0 as NSString).lastPathComponent })
        #expect(names.isSuperset(of: ["x.png", "g_x.png", "proxy_mask.png", "mask.png", "ground_truth.png", "masked_predicted_start.png",
                                      "off_current.png", "snapshot.json"]))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/snapshot.json"))) as! [String: Any]
        #expect((json["rows"] as! [String: Any]).count == 3)
    }

    @Test func sparklineScalesToTheRange() {
        #expect(Sparkline.render([0, 1, 2, 3, 4, 5, 6, 7], width: 8) == "▁▂▃▄▅▆▇█")
        #expect(Sparkline.render([5, 5], width: 4) == "▁▁")
        #expect(Sparkline.render([1, 2, 3], width: 2) == "▁█")
    }
}
