import FaceID
import FaceFinding
import FileIO
import Imaging

/// One face the explorer can open: a degraded image and, when known, its ground truth.
public struct ExplorerSample: Equatable, Sendable {
    public var path: String
    public var truthPath: String?
    public var alignment: FaceAlignment
    /// A face found in the photo at `path` (`dnr explore PHOTO`): its chip is the sample.
    public var face: PhotoFace?

    /// One of the faces found in a photo.
    public struct PhotoFace: Equatable, Sendable {
        public var found: FoundFace
        public var index: Int
        public var count: Int
        public init(found: FoundFace, index: Int, count: Int) { (self.found, self.index, self.count) = (found, index, count) }
        /// The chip side the explorer cuts (twice the models' 64 px, as the training chips were cut).
        static let chipSize = 128
    }

    public init(path: String, truthPath: String? = nil, alignment: FaceAlignment = .chip, face: PhotoFace? = nil) {
        self.path = path
        self.truthPath = truthPath
        self.alignment = alignment
        self.face = face
    }

    /// The degraded face and its ground truth as chips (cut from FFHQ framing when so aligned, or
    /// from the photo around a found face).
    public func load() throws -> (degraded: RGBImage, truth: RGBImage?) {
        if let face {
            return (FaceFinder.chip(of: face.found, from: try ImageFile.read(path), size: PhotoFace.chipSize), nil)
        }
        func chip(_ file: String) throws -> RGBImage { try alignment.chip(from: ImageFile.read(file), path: file) }
        return (try chip(path), try truthPath.map(chip))
    }

    /// How the pane titles name the sample.
    public var name: String {
        face.map { "\(path) — face \($0.index + 1) of \($0.count)" } ?? path
    }

    /// The samples for the command line's arguments: image files, or folders of them (sorted). A
    /// `truthFolder` pairs each image with the file of the same name there, when there is one.
    public static func collect(_ arguments: [String], truthFolder: String?, alignment: FaceAlignment = .chip) throws -> [ExplorerSample] {
        try ImageFile.paths(in: arguments).map { file in
            let name = file.split(separator: "/").last.map(String.init) ?? file
            let truth = truthFolder.map { $0 + "/" + name }.flatMap { pathKind($0) == .file ? $0 : nil }
            return ExplorerSample(path: file, truthPath: truth, alignment: alignment)
        }
    }
}

/// How the explorer draws: the graphics mode, the terminal's cell size in pixels, the colours.
public struct ExplorerDisplay: Sendable {
    public var graphics: TerminalCapabilities.Graphics
    public var cellWidth: Int, cellHeight: Int
    public var theme: Theme

    public init(graphics: TerminalCapabilities.Graphics, cellWidth: Int = 10, cellHeight: Int = 20, theme: Theme = .plain) {
        self.graphics = graphics
        self.cellWidth = cellWidth
        self.cellHeight = cellHeight
        self.theme = theme
    }

    var imageMode: ImageMode { ImageMode(graphics: graphics, cellWidth: cellWidth, cellHeight: cellHeight) }
}
