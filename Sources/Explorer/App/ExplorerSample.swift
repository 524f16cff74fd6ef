import FaceID
import FileIO
import Imaging

/// One face the explorer can open: a degraded image and, when known, its ground truth.
public struct ExplorerSample: Equatable, Sendable {
    public var path: String
    public var truthPath: String?
    public var alignment: FaceAlignment

    public init(path: String, truthPath: String? = nil, alignment: FaceAlignment = .chip) {
        self.path = path
        self.truthPath = truthPath
        self.alignment = alignment
    }

    /// The degraded face and its ground truth as chips (cut from FFHQ framing when so aligned).
    public func load() throws -> (degraded: RGBImage, truth: RGBImage?) {
        func chip(_ file: String) throws -> RGBImage { try alignment.chip(from: ImageFile.read(file), path: file) }
        return (try chip(path), try truthPath.map(chip))
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
