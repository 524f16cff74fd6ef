/// The measures of one scored image, by name: what the claims and the baseline comparison read.
enum ScoreMeasure: String, CaseIterable {
    case psnr = "PSNR", ssim = "SSIM", ids = "IDS", samePerson = "same-person rate", perceptual = "face-perceptual distance", sharpness

    func value(_ s: ImageScores) -> Double {
        switch self {
        case .psnr: s.psnr
        case .ssim: s.ssim
        case .ids: s.ids
        case .samePerson: s.samePerson ? 1 : 0
        case .perceptual: s.perceptual
        case .sharpness: s.sharpness
        }
    }

    /// The report tables' column title (the arrow says which way is better).
    var columnTitle: String {
        switch self {
        case .psnr: "PSNR ↑"
        case .ssim: "SSIM ↑"
        case .ids: "IDS ↑"
        case .samePerson: "same person ↑"
        case .perceptual: "face-perceptual ↓"
        case .sharpness: "sharpness"
        }
    }

    /// Decimals a difference is shown with (same person in points).
    var digits: Int {
        switch self {
        case .psnr: 2
        case .samePerson: 1
        case .sharpness: 0
        case .ssim, .ids, .perceptual: 4
        }
    }
}
