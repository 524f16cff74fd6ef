import ArgumentParser

/// `--steps K|all`, shared by restore, explore and eval. The default, 25 respaced steps, is what the
/// project's evaluations use (more steps scored slightly worse there, docs/pipeline-eval.md, "The
/// number of steps K") at a sixteenth of the full schedule's time; `all` runs every step from T′,
/// as the paper does.
enum StepCount: ExpressibleByArgument, Equatable {
    case all
    case count(Int)

    static let defaultCount = 25
    static let help: ArgumentHelp = "Steps K (respaced DDPM or DDIM), or all: every step from T′ (the paper's schedule). Default \(defaultCount), or T′ if smaller."

    init?(argument: String) {
        if argument == "all" { self = .all; return }
        guard let k = Int(argument) else { return nil }
        self = .count(k)
    }

    /// The sampler's K (nil: every step) for a run from `startStep`; `given` nil means the default.
    static func resolved(_ given: StepCount?, startStep: Int) -> Int? {
        switch given ?? .count(min(defaultCount, startStep)) {
        case .all: nil
        case .count(let k): k
        }
    }

    /// Why `given` does not fit a run from `startStep`, or nil.
    static func problem(_ given: StepCount?, startStep: Int) -> String? {
        guard case .count(let k)? = given, !(1...startStep).contains(k) else { return nil }
        return "--steps must be between 1 and T′ (\(startStep)), or all"
    }
}
