import Explorer
import FaceID
import Foundation
import Imaging
import Restoration
import Tensors
import TestSupport
import Testing

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

    /// Compare mode measures each guided row against the unguided one at the same step (and records it in the
    /// row's history); the unguided row and a single-row session have nothing to compare with.
    @Test func guidedRowsAreMeasuredAgainstTheUnguidedRow() throws {
        let compared = try session(compare: true)
        #expect(compared.guidanceEffect(of: compared.rows[2]) == nil)  // before the first step
        compared.step(2)
        let (off, masked) = (compared.rows[0], compared.rows[2])
        let effect = try #require(compared.guidanceEffect(of: masked))
        #expect(effect == GuidanceEffect(guided: masked.latest!.predictedStart, unguided: off.latest!.predictedStart, mask: compared.chosenMask))
        #expect(effect.meanChange > 0 && masked.history.last!.changeInMask == effect.shareInMask
                && masked.history.last!.changeFromUnguided == effect.meanChange)
        #expect(compared.guidanceEffect(of: off) == nil && off.history.last!.changeInMask == nil)
        let single = try session()
        single.step()
        #expect(single.guidanceEffect(of: single.rows[0]) == nil)
    }

    /// Each step records IDS of ŷ0,t to the ground truth and its face-perceptual distance to it, from one pass of the
    /// recognizer: the numbers the recognizer gives for the two images on their own. Without a ground truth IDS is to
    /// g(x) and there is no distance.
    @Test func stepsRecordIdentityAndPerceptualDistanceToTheTruth() throws {
        let s = try session()
        s.step(2)
        let recognizer = s.pipeline.recognizer
        let (estimate, truth) = (RGBImage(tensor: s.rows[0].latest!.predictedStart).clamped(), RGBImage(tensor: s.truth!))
        let distance = withoutGradients { recognizer.perceptualDistance(Variable(estimate.tensor()), Variable(truth.tensor())) }.value.scalar
        let summary = s.rows[0].history[1]
        let perceptual = try #require(summary.perceptual)
        #expect(distance > 0.01 && abs(perceptual - distance) < 1e-5)
        #expect(abs(summary.ids - IdentityComparison(recognizer.descriptor(of: estimate), recognizer.descriptor(of: truth)).cosine) < 1e-5)

        let bare = ExplorerSession(pipeline: s.pipeline, degraded: RGBImage(tensor: s.degraded), settings: s.settings)
        bare.step()
        let conditioned = RGBImage(tensor: bare.conditioned)
        let first = RGBImage(tensor: bare.rows[0].latest!.predictedStart).clamped()
        #expect(bare.rows[0].history[0].perceptual == nil)
        #expect(abs(bare.rows[0].history[0].ids - IdentityComparison(recognizer.descriptor(of: first), recognizer.descriptor(of: conditioned)).cosine) < 1e-5)
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

    @Test func aTemperatureKeyReachesEveryRowFromTheNextStep() throws {
        // Two sessions on the same noise; one cools to τ = 0 after the first step: the first steps agree, the
        // second differ in every row (the default τ is not 0).
        let (warm, cold) = (try session(compare: true), try session(compare: true))
        warm.step(); cold.step()
        #expect(warm.rows[2].latest!.current == cold.rows[2].latest!.current)
        var settings = cold.settings
        settings.noiseTemperature = 0
        cold.apply(settings)
        #expect(cold.settings.noiseTemperature == 0)
        warm.step(); cold.step()
        for (w, c) in zip(warm.rows, cold.rows) {
            #expect(w.sampler.settings.noiseTemperature == SamplerSettings().noiseTemperature && c.sampler.settings.noiseTemperature == 0)
            #expect(w.latest!.current.maxAbsDifference(c.latest!.current) > 0.01)
        }
    }

    @Test func snapshotWritesEveryPaneAndTheNumbers() throws {
        let s = try session(compare: true)
        s.step(2)
        let folder = NSTemporaryDirectory() + "dnr-snapshot-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let files = try s.snapshot(to: folder)
        let names = Set(files.map { ($0 as NSString).lastPathComponent })
        #expect(names.isSuperset(of: ["x.png", "g_x.png", "proxy_mask.png", "mask.png", "ground_truth.png", "masked_predicted_start.png",
                                      "off_current.png", "snapshot.json"]))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/snapshot.json"))) as! [String: Any]
        #expect((json["rows"] as! [String: Any]).count == 3)
    }

    @Test func contactSheetShowsTheRunAtEvenlySpacedSteps() throws {
        let s = try session(compare: true)
        s.step(5)
        // Three lines of x, g(x), 8 frames (5 taken, 3 blank) and the truth: 11 tiles of 32 with 2-pixel gaps.
        let sheet = s.contactSheet(frames: 8)
        #expect(sheet.width == 11 * 32 + 12 * 2 && sheet.height == 3 * 32 + 4 * 2)
        func tile(_ row: Int, _ column: Int) -> RGBImage {
            sheet.cropped(x: 2 + column * 34, y: 2 + row * 34, width: 32, height: 32)
        }
        #expect(tile(0, 0).tensor().maxAbsDifference(RGBImage(tensor: s.degraded).clamped().tensor()) < 1e-6)
        #expect(tile(2, 2).tensor().maxAbsDifference(RGBImage(tensor: s.rows[2].frames[0]).clamped().tensor()) < 1e-6)
        #expect(tile(1, 6).tensor().maxAbsDifference(RGBImage(tensor: s.rows[1].latest!.predictedStart).clamped().tensor()) < 1e-6)
        #expect(tile(0, 9).tensor().scalars.allSatisfy { $0 == 1 })  // no sixth step yet: a white tile
        // With more steps than frames the picks spread out and end at the latest: 5 steps, 2 frames → steps 3 and 5.
        let full = try session()
        full.finish()
        let two = full.contactSheet(frames: 2)
        #expect(two.width == 5 * 32 + 6 * 2)
        #expect(two.cropped(x: 2 + 2 * 34, y: 2, width: 32, height: 32).tensor().maxAbsDifference(RGBImage(tensor: full.rows[0].frames[2]).clamped().tensor()) < 1e-6)
        #expect(two.cropped(x: 2 + 3 * 34, y: 2, width: 32, height: 32).tensor().maxAbsDifference(RGBImage(tensor: full.rows[0].frames[4]).clamped().tensor()) < 1e-6)
    }

    @Test func sparklineScalesToTheRange() {
        #expect(Sparkline.render([0, 1, 2, 3, 4, 5, 6, 7], width: 8) == "▁▂▃▄▅▆▇█")
        #expect(Sparkline.render([5, 5], width: 4) == "▁▁")
        #expect(Sparkline.render([1, 2, 3], width: 2) == "▁█")
    }
}
