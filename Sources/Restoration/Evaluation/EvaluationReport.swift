import FileIO
import Foundation
import Imaging

/// One scored output: which face, under which setting, by which method.
public struct ScoredOutput: Codable, Sendable {
    public var setting: EvaluationSetting
    public var index: Int
    public var file: String
    public var method: EvaluationMethod
    public var scores: ImageScores
    public var truthSharpness: Double

    public init(setting: EvaluationSetting, index: Int, file: String, method: EvaluationMethod, scores: ImageScores, truthSharpness: Double) {
        self.setting = setting
        self.index = index
        self.file = file
        self.method = method
        self.scores = scores
        self.truthSharpness = truthSharpness
    }
}

/// The per-image CSV (appended as images finish, so a killed run resumes) and the Markdown report.
public enum EvaluationReport {
    public static let csvHeader = "setting,index,file,method,psnr,ssim,ids,same_person,perceptual,sharpness,truth_sharpness,seconds"

    public static func csvLine(_ r: ScoredOutput) -> String {
        let s = r.scores
        return "\(r.setting.rawValue),\(r.index),\(r.file),\(r.method.rawValue),\(s.psnr),\(s.ssim),\(s.ids),\(s.samePerson ? 1 : 0),\(s.perceptual),\(s.sharpness),\(r.truthSharpness),\(s.seconds)"
    }

    public static func parse(csv text: String) -> [ScoredOutput] {
        text.split(separator: "\n").dropFirst().compactMap { line in
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 12, let setting = EvaluationSetting(rawValue: f[0]), let index = Int(f[1]), let method = EvaluationMethod(rawValue: f[3]),
                  let psnr = Double(f[4]), let ssim = Double(f[5]), let ids = Double(f[6]), let perceptual = Double(f[8]),
                  let sharpness = Double(f[9]), let truth = Double(f[10]), let seconds = Double(f[11]) else { return nil }
            return ScoredOutput(setting: setting, index: index, file: f[2], method: method,
                                scores: ImageScores(psnr: psnr, ssim: ssim, ids: ids, samePerson: f[7] == "1", perceptual: perceptual,
                                                    sharpness: sharpness, seconds: seconds), truthSharpness: truth)
        }
    }

    /// A Markdown table per setting: mean ± 95 % interval of every measure, per method.
    public static func tables(_ rows: [ScoredOutput]) -> String {
        var text = ""
        for setting in EvaluationSetting.allCases {
            let inSetting = rows.filter { $0.setting == setting }
            guard !inSetting.isEmpty else { continue }
            let images = Set(inSetting.map(\.index)).count
            let truth = meanWithInterval(Array(Dictionary(grouping: inSetting, by: \.index).values.map { $0[0].truthSharpness }))
            text += "\n### Setting `\(setting.rawValue)` (\(images) faces; ground-truth sharpness \(fmt(truth.mean, 0)) ± \(fmt(truth.halfWidth, 0)))\n\n"
            text += "| method | PSNR ↑ | SSIM ↑ | IDS ↑ | same person ↑ | face-perceptual ↓ | sharpness | s / image |\n|---|---|---|---|---|---|---|---|\n"
            for method in EvaluationMethod.allCases {
                let r = inSetting.filter { $0.method == method }
                guard !r.isEmpty else { continue }
                func cell(_ v: [Double], _ digits: Int) -> String {
                    let m = meanWithInterval(v)
                    return "\(fmt(m.mean, digits)) ± \(fmt(m.halfWidth, digits))"
                }
                let same = r.map { $0.scores.samePerson ? 100.0 : 0 }
                text += "| \(method.rawValue) | \(cell(r.map(\.scores.psnr), 2)) | \(cell(r.map(\.scores.ssim), 4)) | \(cell(r.map(\.scores.ids), 4)) | "
                text += "\(cell(same, 1)) % | \(cell(r.map(\.scores.perceptual), 4)) | \(cell(r.map(\.scores.sharpness), 0)) | \(fmt(meanWithInterval(r.map(\.scores.seconds)).mean, 2)) |\n"
            }
        }
        return text
    }

    static func fmt(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }
    /// A difference with its sign: +0.12, −0.03.
    static func signed(_ x: Double, _ digits: Int) -> String { (x >= 0 ? "+" : "−") + fmt(abs(x), digits) }

    /// Descriptor lines: "setting,index,method,v1;v2;…" (method "truth" for the ground truth).
    public static func descriptorLine(setting: EvaluationSetting, index: Int, method: String, _ d: [Float]) -> String {
        "\(setting.rawValue),\(index),\(method),\(d.map { String($0) }.joined(separator: ";"))"
    }

    public static func parseDescriptors(_ text: String) -> [String: [Float]] {
        var out: [String: [Float]] = [:]
        for line in text.split(separator: "\n") {
            let f = line.split(separator: ",")
            guard f.count == 4 else { continue }
            out["\(f[0])/\(f[1])/\(f[2])"] = f[3].split(separator: ";").compactMap { Float($0) }
        }
        return out
    }

    /// The set-level identity table: our FID substitute (Fréchet distance of descriptor sets, output
    /// vs ground truth) and, where identities have two photos, rank-1/3/5 identification of each
    /// restored second photo among the clean first photos of every identity (the paper's Table 5).
    public static func identityTable(descriptors: [String: [Float]], identities: [String], count: Int, methods: [EvaluationMethod]) -> String {
        var text = ""
        var firstPhoto: [String: Int] = [:], secondPhoto: [Int] = []
        for (i, identity) in identities.prefix(count).enumerated() where !identity.isEmpty {
            if firstPhoto[identity] == nil { firstPhoto[identity] = i } else { secondPhoto.append(i) }
        }
        for setting in EvaluationSetting.allCases {
            let truth = (0..<count).compactMap { descriptors["\(setting.rawValue)/\($0)/truth"] }
            guard truth.count > 1 else { continue }
            text += "\n#### Set-level identity, setting `\(setting.rawValue)`\n\n| method | Fréchet distance of descriptors ↓ (FID substitute) | rank-1 ↑ | rank-3 ↑ | rank-5 ↑ |\n|---|---|---|---|---|\n"
            let galleryIndices = firstPhoto.values.sorted()
            let gallery = galleryIndices.compactMap { descriptors["\(setting.rawValue)/\($0)/truth"] }
            let galleryIdentities = galleryIndices.map { identities[$0] }
            for method in methods {
                let outputs = (0..<count).compactMap { descriptors["\(setting.rawValue)/\($0)/\(method.rawValue)"] }
                guard outputs.count == truth.count else { continue }
                var row = "| \(method.rawValue) | \(fmt(IdentityStatistics.frechetDistance(outputs, truth), 4)) |"
                let probes = secondPhoto.compactMap { i in descriptors["\(setting.rawValue)/\(i)/\(method.rawValue)"].map { ($0, identities[i]) } }
                if !probes.isEmpty && gallery.count == galleryIdentities.count {
                    for k in [1, 3, 5] {
                        let accuracy = IdentityStatistics.rankAccuracy(probes: probes.map(\.0), probeIdentities: probes.map(\.1), gallery: gallery,
                                                                       galleryIdentities: galleryIdentities, k: k)
                        row += " \(fmt(100 * accuracy, 1)) % |"
                    }
                } else {
                    row += " – | – | – |"
                }
                text += row + "\n"
            }
            if !secondPhoto.isEmpty { text += "\n(\(secondPhoto.count) probes against a gallery of \(gallery.count) identities.)\n" }
        }
        return text
    }
}
