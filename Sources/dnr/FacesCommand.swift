import ArgumentParser
import CommandLineSupport
import FaceFinding
import FileIO
import Foundation
import Imaging
import Tensors

/// `dnr faces`: the faces dlib's detector and landmarks find in a photo, as JSON, and their chips.
struct FacesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "faces",
        abstract: "Find the faces in photos (dlib's CNN detector and 5-point landmarks, on dnr's engine) and print them as JSON.",
        discussion: """
        For each photo: every face's box (inclusive pixel corners, as dlib gives them), the detector's score, the five \
        landmarks (eye corners, base of the nose) and the side of its chip in the photo. --chips writes each face's \
        chip cut as dlib's get_face_chip cuts it (padding 0.25, the framing dnr's models were trained on).
        """)

    @Argument(help: "Photos (.png, .jpg), or one folder of them.") var inputs: [String]
    @OptionGroup var detection: DetectionOptions
    @Option(help: "Folder for the face chips (optional).") var chips: String?
    @Option(name: .customLong("chip-size"), help: "Side of the chips written by --chips.") var chipSize = 128

    func validate() throws {
        if !(16...2048).contains(chipSize) { throw ValidationError("--chip-size must be 16–2048") }
    }

    struct Report: Codable {
        var photo: String
        var width: Int, height: Int
        var upsample: Int
        var milliseconds: Double
        var faces: [FoundFace]
    }

    func run() throws {
        let files = try ImageFile.paths(in: inputs)
        if files.isEmpty { throw ValidationError("no .png or .jpg images in \(inputs.joined(separator: ", "))") }
        EngineRuntime.prepare()
        let finder = try FaceFinder.loadDefault()
        if let chips { try Folder.create(chips) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var reports: [Report] = []
        for file in files {
            let image = try ImageFile.read(file)
            let start = monotonicMilliseconds()
            let faces = finder.find(in: image, upsample: detection.upsample)
            let upsample = FaceFinder.effectiveUpsample(width: image.width, height: image.height, requested: detection.upsample)
            reports.append(Report(photo: file, width: image.width, height: image.height, upsample: upsample,
                                  milliseconds: monotonicMilliseconds() - start, faces: faces))
            if let chips {
                let base = (file.split(separator: "/").last.map(String.init) ?? file).split(separator: ".").dropLast().joined(separator: ".")
                for (k, face) in faces.enumerated() {
                    try ImageFile.write(FaceFinder.chip(of: face, from: image, size: chipSize), to: "\(chips)/\(base)-face\(k).png")
                }
            }
            if faces.isEmpty { writeStandardError("\(file): no faces found\(upsample < 2 ? " (smaller faces: --upsample \(upsample + 1))" : "")\n") }
        }
        print(String(decoding: try encoder.encode(reports), as: UTF8.self))
    }
}

/// How faces are searched for in a photo (shared by faces, restore and explore).
struct DetectionOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Double the photo N times before detection: each halves the smallest face found (about 80 px boxes at 0, 40 at 1, 20 at 2) and quadruples the time.", valueName: "N"))
    var upsample = 1

    func validate() throws {
        if !(0...3).contains(upsample) { throw ValidationError("--upsample must be 0–3") }
    }
}
