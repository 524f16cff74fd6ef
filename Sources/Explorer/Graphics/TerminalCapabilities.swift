/// What the terminal can draw, from its answers to capability queries.
public struct TerminalCapabilities: Equatable, Sendable {
    public enum Graphics: String, Sendable, CaseIterable { case sixel, blocks, ascii }

    public var deviceAttributes: Set<Int> = []
    /// Pixels per character cell, when the terminal reports them.
    public var cellWidth: Int? = nil, cellHeight: Int? = nil
    public var trueColor = false

    public init() {}

    /// DA1 attribute 4 means the terminal draws sixel graphics.
    public var supportsSixel: Bool { deviceAttributes.contains(4) }

    /// The best graphics mode: sixel when supported and the cell size is known, else half-blocks
    /// (with colour), else ASCII.
    public func bestGraphics(colors: Int) -> Graphics {
        if supportsSixel && cellWidth != nil && cellHeight != nil { return .sixel }
        return colors >= 256 || trueColor ? .blocks : .ascii
    }

    /// Parses a primary device-attributes reply, `ESC [ ? 62 ; 4 ; 22 c`; nil when `reply` holds none.
    public static func parseDeviceAttributes(_ reply: [UInt8]) -> Set<Int>? {
        guard let body = csiBody(reply, final: UInt8(ascii: "c"), prefix: UInt8(ascii: "?")) else { return nil }
        return Set(body.split(separator: ";").compactMap { Int($0) })
    }

    /// Parses the reply to `CSI 16 t` (cell size in pixels), `ESC [ 6 ; height ; width t`.
    public static func parseCellSize(_ reply: [UInt8]) -> (width: Int, height: Int)? {
        guard let body = csiBody(reply, final: UInt8(ascii: "t"), prefix: nil) else { return nil }
        let fields = body.split(separator: ";").compactMap { Int($0) }
        guard fields.count == 3, fields[0] == 6, fields[1] > 0, fields[2] > 0 else { return nil }
        return (fields[2], fields[1])
    }

    /// The text between `ESC [` (and an optional private prefix) and the final byte.
    static func csiBody(_ reply: [UInt8], final: UInt8, prefix: UInt8?) -> String? {
        guard let start = (0..<max(reply.count - 1, 0)).first(where: { reply[$0] == 0x1B && reply[$0 + 1] == UInt8(ascii: "[") }) else { return nil }
        var i = start + 2
        if let prefix {
            guard i < reply.count, reply[i] == prefix else { return nil }
            i += 1
        }
        guard let end = reply[i...].firstIndex(of: final) else { return nil }
        let body = reply[i..<end]
        guard body.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: ";") }) else { return nil }
        return String(decoding: body, as: UTF8.self)
    }
}
