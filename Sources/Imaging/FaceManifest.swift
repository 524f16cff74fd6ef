import FileIO

/// A folder of aligned faces described by a `faces.csv` manifest (columns file, split, source,
/// identity, …), as the project's data sets are laid out.
public struct FaceManifest: Sendable {
    public struct Entry: Sendable, Equatable {
        public let file: String      // relative to the folder
        public let split: String
        public let identity: String  // empty when unknown
    }

    public let folder: String
    public let entries: [Entry]

    public init(folder: String, manifestName: String = "faces.csv") throws(ManifestError) {
        let path = folder + "/" + manifestName
        let bytes: [UInt8]
        do { bytes = try AtomicFile.read(path) } catch { throw .unreadable(path: path, reason: error.reason) }
        let lines = String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline)
        guard let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false).map(String.init),
              let fileColumn = header.firstIndex(of: "file"), let splitColumn = header.firstIndex(of: "split") else {
            throw .unreadable(path: path, reason: "the header must name the columns file and split")
        }
        let identityColumn = header.firstIndex(of: "identity")
        var entries: [Entry] = []
        for (number, line) in lines.dropFirst().enumerated() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == header.count else {
                throw .unreadable(path: path, reason: "line \(number + 2) has \(fields.count) fields, the header has \(header.count)")
            }
            entries.append(Entry(file: fields[fileColumn], split: fields[splitColumn], identity: identityColumn.map { fields[$0] } ?? ""))
        }
        self.folder = folder
        self.entries = entries
    }

    public func entries(in split: String) -> [Entry] { entries.filter { $0.split == split } }
    public func path(_ entry: Entry) -> String { folder + "/" + entry.file }
}

public enum ManifestError: Error, CustomStringConvertible, Sendable {
    case unreadable(path: String, reason: String)
    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "\(path): \(reason)"
        }
    }
}
