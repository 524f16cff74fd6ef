import Foundation
import Imaging
import Restoration
import Tensors
import TestSupport
import Testing

/// Tiny random networks at R = 32, saved as dnr's weight files.
func tinyWeights(seed: UInt64 = 1) throws -> String {
    let folder = try scratchFolder()
    let ipc = ConditionerConfiguration(resolution: 32, width: 8, blocks: 1)
    let unet = UNetConfiguration(inputChannels: 9, outputChannels: 3, resolution: 32, widths: [8, 16], blocksPerLevel: 1,
                                 attentionLevels: [1], timeFeatures: 8, timeEmbedding: 16, groups: 4)
    try ModelStore.save(IdentityPreservingConditioner(ipc, seed: seed), configuration: ipc, to: folder + "/" + ModelStore.conditionerFile)
    try ModelStore.save(ConditionalUNet(unet, seed: seed + 1), configuration: unet, to: folder + "/" + ModelStore.unetFile, dtype: .f16)
    try ModelStore.save(MaskBranch(.standard, seed: seed + 2), configuration: MaskConfiguration.standard, to: folder + "/" + ModelStore.maskFile)
    return folder
}

@Suite struct RestoreCommandTests {
    @Test func restoresAChipAtItsOwnSizeWithASidecar() throws {
        let weights = try tinyWeights(), out = try scratchFolder()
        let result = try runDNR(["restore", packageRoot + "/Samples/synthetic/astronaut_lq64.png", "-o", out + "/r.png", "--weights", weights,
                                 "--tprime", "20", "--steps", "4", "--guidance", "masked", "--scale", "5", "--delta", "0.05",
                                 "--save-steps", "2", "--save-masks"])
        #expect(result.status == 0, "\(result.standardError)")
        let image = try ImageFile.read(out + "/r.png")
        #expect(image.width == 64 && image.height == 64)  // back at the input's size
        let record = try JSONDecoder().decode(RestoreRecord.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/r.json")))
        #expect(record.steps == 4 && record.settings?.guidance == .masked && !record.ipcOnly && record.usedLearnedMask)
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: out))
        #expect(names.isSuperset(of: ["r.png", "r.json", "r_proxy_mask.png", "r_mask.png", "r_step0002_t14.png", "r_step0004_t1.png"]), "\(names)")
    }

    @Test func ipcOnlyWritesGOfXWithASidecarAndNeedsNoDenoiser() throws {
        let weights = try tinyWeights(), out = try scratchFolder()
        try FileManager.default.removeItem(atPath: weights + "/" + ModelStore.unetFile)
        let input = packageRoot + "/Samples/synthetic/astronaut_lq64.png"
        let result = try runDNR(["restore", input, "-o", out + "/g.png", "--weights", weights, "--ipc-only"])
        #expect(result.status == 0, "\(result.standardError)")
        // The reference: the same IPC applied in this process.
        let ipc = try ModelStore.loadConditioner(from: weights)
        let chip = try ImageFile.read(input).resized(width: 32, height: 32, filter: .box).clamped()
        let expected = RGBImage(tensor: withoutGradients { ipc(Variable(chip.tensor())) }.value).clamped()
            .resized(width: 64, height: 64, filter: .bicubic).clamped()
        let written = try ImageFile.read(out + "/g.png")
        #expect(written.width == 64 && zip(written.samples, expected.samples).allSatisfy { abs($0 - $1) <= 1.0 / 255 + 1e-6 })
        let record = try JSONDecoder().decode(RestoreRecord.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/g.json")))
        #expect(record.ipcOnly && record.settings == nil && record.steps == 0)
        let refused = try runDNR(["restore", input, "-o", out + "/h.png", "--weights", weights, "--ipc-only", "--save-masks"])
        #expect(refused.status != 0 && refused.standardError.contains("--ipc-only"))
    }

    @Test func aMaskFileIsUsedAndRecorded() throws {
        let weights = try tinyWeights(), out = try scratchFolder()
        var samples = [Float](repeating: 0, count: 3 * 64 * 64)
        for i in 0..<(64 * 32) { samples[i] = 1; samples[4096 + i] = 1; samples[8192 + i] = 1 }  // the upper half white
        try ImageFile.write(RGBImage(width: 64, height: 64, samples: samples), to: out + "/upper.png")
        let result = try runDNR(["restore", packageRoot + "/Samples/synthetic/astronaut_lq64.png", "-o", out + "/r.png", "--weights", weights,
                                 "--tprime", "20", "--steps", "2", "--scale", "5", "--mask", out + "/upper.png", "--save-masks"])
        #expect(result.status == 0, "\(result.standardError)")
        let record = try JSONDecoder().decode(RestoreRecord.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/r.json")))
        #expect(record.maskFile == out + "/upper.png" && !record.usedLearnedMask && record.settings?.maskSource == .user)
        let missing = try runDNR(["restore", packageRoot + "/Samples/synthetic/astronaut_lq64.png", "-o", out + "/s.png", "--weights", weights,
                                  "--mask", out + "/none.png"])
        #expect(missing.status != 0 && missing.standardError.contains("--mask takes learned, proxy, regions or an image file"))
        // The fixed facial regions by name, saved beside the output like the other masks.
        let regions = try runDNR(["restore", packageRoot + "/Samples/synthetic/astronaut_lq64.png", "-o", out + "/t.png", "--weights", weights,
                                  "--tprime", "20", "--steps", "2", "--scale", "5", "--mask", "regions", "--save-masks"])
        #expect(regions.status == 0, "\(regions.standardError)")
        let regionsRecord = try JSONDecoder().decode(RestoreRecord.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/t.json")))
        #expect(regionsRecord.settings?.maskSource == .regions && regionsRecord.maskFile == nil && !regionsRecord.usedLearnedMask)
        let used = try ImageFile.read(out + "/t_guidance_mask.png")
        #expect(used.width == 32 && used.samples.prefix(32 * 32).map { $0 > 0.5 ? Float(1) : 0 } == FacialRegions.mask(resolution: 32).scalars)
    }

    /// 25 respaced steps unless T′ is smaller; `all` runs every step from T′.
    @Test(arguments: [(["--tprime", "30"], 25), (["--tprime", "12"], 12), (["--tprime", "30", "--steps", "all"], 30), (["--tprime", "30", "--steps", "3"], 3)])
    func stepsDefaultToTwentyFive(_ extra: [String], _ expected: Int) throws {
        let weights = try tinyWeights(), out = try scratchFolder()
        let result = try runDNR(["restore", packageRoot + "/Samples/synthetic/astronaut_lq64.png", "-o", out + "/r.png", "--weights", weights,
                                 "--guidance", "off"] + extra)
        #expect(result.status == 0, "\(result.standardError)")
        let record = try JSONDecoder().decode(RestoreRecord.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/r.json")))
        #expect(record.steps == expected)
        let refused = try runDNR(["restore", packageRoot + "/Samples/synthetic/astronaut_lq64.png", "-o", out + "/s.png", "--weights", weights,
                                  "--tprime", "10", "--steps", "11"])
        #expect(refused.status != 0 && refused.standardError.contains("or all"))
    }

    @Test func ffhqInputsArePastedBackOutsideTheChipBoxUnchanged() throws {
        let weights = try tinyWeights(), out = try scratchFolder()
        let input = packageRoot + "/Samples/real-lq-ffhq512/diffbir_0229.png"
        let result = try runDNR(["restore", input, "-o", out + "/f.png", "--weights", weights, "--align", "ffhq512",
                                 "--tprime", "10", "--steps", "2", "--guidance", "off"])
        #expect(result.status == 0, "\(result.standardError)")
        let original = try ImageFile.read(input), restored = try ImageFile.read(out + "/f.png")
        #expect(restored.width == 512 && restored.height == 512)
        #expect(restored[0, 20, 20] == original[0, 20, 20] && restored[1, 500, 300] == original[1, 500, 300])
    }

    @Test func mismatchedWeightsNameTheTensor() throws {
        let weights = try tinyWeights()
        // A UNet file whose configuration says width 12 where the weights have 8.
        let archive = try Safetensors.read(weights + "/" + ModelStore.unetFile)
        var config = try JSONDecoder().decode(UNetConfiguration.self, from: Data(archive.metadata["config"]!.utf8))
        config.widths = [12, 16]
        let tensors = archive.tensors.sorted { $0.key < $1.key }.map { (name: $0.key, tensor: $0.value) }
        try Safetensors.write(tensors, metadata: ["config": String(decoding: try JSONEncoder().encode(config), as: UTF8.self)],
                              to: weights + "/" + ModelStore.unetFile)
        let out = try scratchFolder()
        let result = try runDNR(["restore", packageRoot + "/Samples/synthetic/astronaut_lq64.png", "-o", out + "/r.png", "--weights", weights])
        #expect(result.status != 0)
        #expect(result.standardError.contains("unet.safetensors: tensor '"), "\(result.standardError)")
        #expect(result.standardError.contains("the model expects"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).isEmpty)
    }

    @Test func nonSquareChipIsRefused() throws {
        let weights = try tinyWeights(), folder = try scratchFolder()
        try ImageFile.write(RGBImage(width: 40, height: 30, fill: (0.5, 0.5, 0.5)), to: folder + "/wide.png")
        let result = try runDNR(["restore", folder + "/wide.png", "-o", folder + "/out.png", "--weights", weights, "--align", "chip"])
        #expect(result.status != 0)
        #expect(result.standardError.contains("40×30 is not a square face chip"))
    }

    /// A photo: both faces found, restored and pasted back; every pixel the chips do not reach is the
    /// photo's own; the sidecar lists each face; --faces writes the chips.
    @Test func restoresEveryFaceInAPhotoAndLeavesTheRestAlone() throws {
        let weights = try tinyWeights(), out = try scratchFolder()
        let input = packageRoot + "/Tests/FaceFindingTests/Fixtures/photos/group-01.png"
        let result = try runDNR(["restore", input, "-o", out + "/p.png", "--weights", weights, "--tprime", "20", "--steps", "2", "--faces"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("2 faces restored"), "\(result.standardOutput)")
        let (photo, restored) = (try ImageFile.read(input), try ImageFile.read(out + "/p.png"))
        #expect(restored.width == photo.width && restored.height == photo.height)
        let record = try JSONDecoder().decode(PhotoRestoreRecord.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/p.json")))
        #expect(record.faces.count == 2 && record.faces.allSatisfy { $0.action == "restored" && $0.restoration?.steps == 2 })
        var changedInside = 0
        for y in 0..<photo.height {
            for x in 0..<photo.width {
                let inside = record.faces.contains { face in
                    let (u, v) = face.chipToPhoto.inverse.apply(Double(x), Double(y))
                    return u > -1 && v > -1 && u < 32 && v < 32
                }
                let same = (0..<3).allSatisfy { restored[$0, y, x] == photo[$0, y, x] }
                if !inside { #expect(same, "pixel (\(x), \(y)) outside the faces changed") } else if !same { changedInside += 1 }
            }
        }
        #expect(changedInside > 500)
        for k in 0..<2 {
            #expect(try ImageFile.read(out + "/p_face\(k)_chip.png").width == 32)
            #expect(FileManager.default.fileExists(atPath: out + "/p_face\(k)_restored.png"))
        }
    }

    @Test func facesLargerThanMaxFaceAreLeftAsTheyAre() throws {
        let weights = try tinyWeights(), out = try scratchFolder()
        let input = packageRoot + "/Tests/FaceFindingTests/Fixtures/photos/group-01.png"
        let result = try runDNR(["restore", input, "-o", out + "/p.png", "--weights", weights, "--steps", "2", "--max-face", "10"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("0 faces restored, 2 larger than --max-face 10 px"), "\(result.standardOutput)")
        #expect(try ImageFile.read(out + "/p.png") == ImageFile.read(input))
        let record = try JSONDecoder().decode(PhotoRestoreRecord.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/p.json")))
        #expect(record.faces.allSatisfy { $0.action.hasPrefix("skipped") && $0.restoration == nil })
    }

    @Test func photoWithoutFacesIsReportedAndWritesNothing() throws {
        let weights = try tinyWeights(), folder = try scratchFolder()
        try ImageFile.write(RGBImage(width: 120, height: 90, fill: (0.5, 0.6, 0.7)), to: folder + "/wall.png")
        let result = try runDNR(["restore", folder + "/wall.png", "-o", folder + "/out.png", "--weights", weights])
        #expect(result.status == 1)
        #expect(result.standardError.contains("wall.png: no faces found"), "\(result.standardError)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/out.png"))
    }

    /// Bad photos: a 1×1 image searched as a photo has no faces; a truncated file is a clear error;
    /// neither leaves an output.
    @Test func tinyAndTruncatedPhotosAreClearAnswers() throws {
        let weights = try tinyWeights(), folder = try scratchFolder()
        try ImageFile.write(RGBImage(width: 1, height: 1, fill: (0.5, 0.5, 0.5)), to: folder + "/dot.png")
        let tiny = try runDNR(["restore", folder + "/dot.png", "-o", folder + "/out.png", "--weights", weights, "--align", "photo"])
        #expect(tiny.status == 1 && tiny.standardError.contains("dot.png: no faces found"), "\(tiny.standardError)")
        let photo = try Data(contentsOf: URL(fileURLWithPath: packageRoot + "/Tests/FaceFindingTests/Fixtures/photos/group-01.png"))
        try photo.prefix(photo.count / 2).write(to: URL(fileURLWithPath: folder + "/cut.png"))
        let cut = try runDNR(["restore", folder + "/cut.png", "-o", folder + "/out.png", "--weights", weights])
        #expect(cut.status != 0 && cut.standardError.contains("cut.png"), "\(cut.standardError)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/out.png"))
    }
}
