import ArgumentParser
import FaceID
import Foundation
import Imaging
import CommandLineSupport
import Tensors

struct AlignmentOption: ParsableArguments {
    @Option(help: "How inputs are framed: chip (a dlib face chip, any square size) or ffhq512 (FFHQ-aligned faces).")
    var align: FaceAlignment = .chip
}

extension FaceAlignment: ExpressibleByArgument {}

func readChip(_ path: String, _ alignment: FaceAlignment) throws -> RGBImage {
    let image = try ImageFile.read(path)
    warnIfFFHQ(image, path: path, alignment: alignment)
    return try alignment.chip(from: image, path: path)
}

/// FFHQ-aligned crops are 512 px (or 1024) squares; read as dlib chips they give plausible but wrong
/// scores, so a chip of exactly that size gets a hint.
func warnIfFFHQ(_ image: RGBImage, path: String, alignment: FaceAlignment) {
    guard alignment == .chip, image.width == image.height, [512, 1024].contains(image.width) else { return }
    writeStandardError("note: \(path) is \(image.width)×\(image.width), the size of an FFHQ-aligned crop; pass --align ffhq512 if it is one (it is read as a dlib chip)\n")
}

struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed", abstract: "Print the 128-D dlib face descriptor of an image, as JSON.")

    @Argument(help: "A face image.") var image: String
    @OptionGroup var alignment: AlignmentOption

    func run() throws {
        let recognizer = try FaceRecognizer.loadDefault()
        let descriptor = recognizer.descriptor(of: try readChip(image, alignment.align))
        let norm = descriptor.reduce(0) { $0 + $1 * $1 }.squareRoot()
        print("{\"image\": \"\(image)\", \"norm\": \(norm), \"descriptor\": [\(descriptor.map { String($0) }.joined(separator: ", "))]}")
    }
}

struct IdentityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ids", abstract: "Compare the identities of two face images: cosine (IDS), distance and dlib's same-person verdict.")

    @Argument(help: "The first face image.") var first: String
    @Argument(help: "The second face image.") var second: String
    @OptionGroup var alignment: AlignmentOption

    func run() throws {
        let recognizer = try FaceRecognizer.loadDefault()
        let chipA = try readChip(first, alignment.align), chipB = try readChip(second, alignment.align)
        let c = IdentityComparison(recognizer.descriptor(of: chipA), recognizer.descriptor(of: chipB), threshold: recognizer.samePersonThreshold)
        print(String(format: "cosine %.4f  distance %.4f  %@ (dlib's rule: distance < %.2f)", c.cosine, c.distance,
                     c.samePerson ? "same person" : "different people", recognizer.samePersonThreshold))
        // Each image goes to the recognizer's frame on its own, so the order does not matter.
        let perceptual = withoutGradients { recognizer.perceptualDistance(Variable(chipA.tensor()), Variable(chipB.tensor())) }.value.scalar
        print(String(format: "face-perceptual distance %.4f (our LPIPS stand-in on the recognizer's features; 0 for equal images)", perceptual))
    }
}

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Face-verification accuracy of the recognizer on a labelled folder (faces.csv), optionally at a lower resolution.")

    @Option(help: "A folder of aligned faces with a faces.csv manifest.") var data: String
    @Option(help: "The manifest split to use.") var split = "dev"
    @Option(help: "Downscale the faces to this size first (area filter); the recognizer resizes to 150.") var size: Int?

    func run() throws {
        let recognizer = try FaceRecognizer.loadDefault()
        let manifest = try FaceManifest(folder: data)
        let progress = ProgressBar(total: manifest.entries(in: split).count, label: "verify")
        var last = 0
        let r = try Verification.run(recognizer, manifest: manifest, split: split, resolution: size) { done, _ in
            progress.advance(by: done - last)
            last = done
        }
        let mean = { (v: [Float]) in v.isEmpty ? 0 : v.reduce(0, +) / Float(v.count) }
        print(String(format: "%@ at %@: accuracy %.2f%% (genuine accepted %d/%d, impostors rejected %d/%d); mean cosine genuine %.3f, impostor %.3f",
                     split, size.map { "\($0)×\($0)" } ?? "native size", 100 * r.accuracy, r.genuineAccepted, r.genuinePairs,
                     r.impostorsRejected, r.impostorPairs, mean(r.genuineCosines), mean(r.impostorCosines)))
    }
}
