import Imaging
import Tensors

/// A knob the explorer exposes, swept by `dnr eval --sweep`.
public enum SweepKnob: String, CaseIterable, Sendable {
    case scale, delta, tprime, steps, temperature

    public func apply(_ value: Double, to settings: inout SamplerSettings) {
        switch self {
        case .scale: settings.scale = Float(value)
        case .delta: settings.delta = Float(value)
        case .tprime: settings.startStep = Int(value.rounded())
        case .steps: settings.steps = Int(value.rounded())
        case .temperature: settings.noiseTemperature = Float(value)
        }
    }

    /// The knobs as `--sweep` takes them: "scale=…, delta=…, … or temperature=…".
    public static var syntax: String {
        let names = allCases.map { "\($0.rawValue)=…" }
        return names.dropLast().joined(separator: ", ") + " or " + names.last!
    }

    /// Parses "scale=0,0.5,1,2".
    public static func parse(_ text: String) -> (SweepKnob, [Double])? {
        let parts = text.split(separator: "=", maxSplits: 1)
        guard parts.count == 2, let knob = SweepKnob(rawValue: String(parts[0])) else { return nil }
        let values = parts[1].split(separator: ",").compactMap { Double($0) }
        return values.isEmpty ? nil : (knob, values)
    }
}

/// The identity-vs-perceptual curve: one point per setting and knob value.
public struct SweepPoint: Sendable {
    public var setting: EvaluationSetting
    public var value: Double
    public var ids: Double, perceptual: Double, psnr: Double, samePerson: Double

    public init(setting: EvaluationSetting, value: Double, ids: Double, perceptual: Double, psnr: Double, samePerson: Double) {
        self.setting = setting
        self.value = value
        self.ids = ids
        self.perceptual = perceptual
        self.psnr = psnr
        self.samePerson = samePerson
    }
}

extension Evaluator {
    /// Means of one method's scores on `files` for each setting and knob value; each face gets the degradation
    /// and noise `dnr eval` gives it, so a point matches a whole run with that value.
    public func sweep(_ knob: SweepKnob, values: [Double], method: EvaluationMethod, files: [String],
                      settings: [EvaluationSetting], seed: UInt64, progress: () -> Void = {}) throws -> [SweepPoint] {
        let saved = samplerSettings
        defer { samplerSettings = saved }
        var points: [SweepPoint] = []
        for setting in settings {
            for value in values {
                knob.apply(value, to: &samplerSettings)
                var scores: [ImageScores] = []
                for (index, file) in files.enumerated() {
                    let imageSeed = EvaluationRun.imageSeed(seed: seed, setting: setting, index: index)
                    let (clean, degraded, _) = try degrade(try ImageFile.read(file), setting: setting, seed: imageSeed)
                    scores.append(score(restore(degraded, method: method, seed: imageSeed), truth: clean, seconds: 0))
                    progress()
                }
                let mean = { (f: (ImageScores) -> Double) in scores.map(f).reduce(0, +) / Double(scores.count) }
                points.append(SweepPoint(setting: setting, value: value, ids: mean(\.ids), perceptual: mean(\.perceptual),
                                         psnr: mean(\.psnr), samePerson: mean { $0.samePerson ? 1 : 0 }))
            }
        }
        return points
    }
}

public enum SweepPlot {
    /// One curve per setting, side by side (`render(points:)` each, in the settings' order).
    public static func render(_ points: [SweepPoint], size: Int = 320) -> RGBImage {
        let settings = EvaluationSetting.allCases.filter { setting in points.contains { $0.setting == setting } }
        guard settings.count > 1 else { return render(curve: points, size: size) }
        return RGBImage.grid([settings.map { setting in render(curve: points.filter { $0.setting == setting }, size: size) }], spacing: 4, background: (0.6, 0.6, 0.6))
    }

    /// A plain scatter of IDS (x) against the face-perceptual distance (y, lower is better), points
    /// joined in knob order, darker for larger knob values; axes from the data's range.
    static func render(curve points: [SweepPoint], size: Int) -> RGBImage {
        var image = RGBImage(width: size, height: size, fill: (1, 1, 1))
        guard !points.isEmpty else { return image }
        let margin = 24
        let xs = points.map(\.ids), ys = points.map(\.perceptual)
        let (x0, x1) = (xs.min()!, max(xs.max()!, xs.min()! + 1e-6)), (y0, y1) = (ys.min()!, max(ys.max()!, ys.min()! + 1e-6))
        func pixel(_ p: SweepPoint) -> (Int, Int) {
            (margin + Int((p.ids - x0) / (x1 - x0) * Double(size - 2 * margin)), size - margin - Int((p.perceptual - y0) / (y1 - y0) * Double(size - 2 * margin)))
        }
        for i in margin...(size - margin) {  // axes
            for c in 0..<3 { image[c, size - margin, i] = 0; image[c, i, margin] = 0 }
        }
        for (a, b) in zip(points, points.dropFirst()) {
            let (p, q) = (pixel(a), pixel(b))
            for k in 0...100 {
                let x = p.0 + (q.0 - p.0) * k / 100, y = p.1 + (q.1 - p.1) * k / 100
                for c in 0..<3 { image[c, y, x] = 0.6 }
            }
        }
        for (n, point) in points.enumerated() {
            let (x, y) = pixel(point)
            let shade = Float(0.8 - 0.8 * Double(n) / Double(max(points.count - 1, 1)))
            for dy in -3...3 { for dx in -3...3 where x + dx >= 0 && x + dx < size && y + dy >= 0 && y + dy < size {
                image[0, y + dy, x + dx] = shade; image[1, y + dy, x + dx] = shade * 0.5; image[2, y + dy, x + dx] = 1
            } }
        }
        return image
    }
}
