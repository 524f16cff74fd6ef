import CNcursesw
import COpenBLAS
import CSixel
import Testing

/// The shims compile, link and call into the real libraries.
@Suite struct SystemLibrariesTests {
    @Test func openBLASMultiplies() {
        // [1 2; 3 4] · [5 6; 7 8] = [19 22; 43 50]
        let a: [Float] = [1, 2, 3, 4], b: [Float] = [5, 6, 7, 8]
        var c = [Float](repeating: 0, count: 4)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 2, 2, 2, 1, a, 2, b, 2, 0, &c, 2)
        #expect(c == [19, 22, 43, 50])
    }

    @Test func ncursesIsTheWideCharacterBuild() {
        let version = String(cString: curses_version())
        #expect(version.hasPrefix("ncurses 6"))
        // setcchar exists only when the wide-character API is enabled.
        var cell = cchar_t()
        var text: [wchar_t] = [0x2588, 0]
        #expect(setcchar(&cell, &text, 0, 0, nil) == OK)
    }

    @Test func sixelEncodesAnImage() throws {
        // A 2×6 red image encoded to sixel: DCS introducer, raster attributes, a colour register, ST.
        var output: OpaquePointer? = nil
        var collected: [UInt8] = []
        let box = Unmanaged.passRetained(Collector())
        defer { box.release() }
        let status = sixel_output_new(&output, { data, size, context in
            let collector = Unmanaged<Collector>.fromOpaque(context!).takeUnretainedValue()
            collector.bytes.append(contentsOf: UnsafeBufferPointer(start: UnsafeRawPointer(data!).assumingMemoryBound(to: UInt8.self), count: Int(size)))
            return Int32(size)
        }, box.toOpaque(), nil)
        #expect(status == SIXEL_OK)
        var dither: OpaquePointer? = nil
        #expect(sixel_dither_new(&dither, 2, nil) == SIXEL_OK)
        var pixels: [UInt8] = Array(repeating: [255, 0, 0], count: 12).flatMap { $0 }
        #expect(sixel_dither_initialize(dither, &pixels, 2, 6, SIXEL_PIXELFORMAT_RGB888, SIXEL_LARGE_AUTO,
                                        SIXEL_REP_AUTO, SIXEL_QUALITY_AUTO) == SIXEL_OK)
        #expect(sixel_encode(&pixels, 2, 6, 0, dither, output) == SIXEL_OK)
        sixel_dither_unref(dither)
        sixel_output_unref(output)
        collected = box.takeUnretainedValue().bytes
        let text = String(decoding: collected, as: UTF8.self)
        #expect(text.hasPrefix("\u{1B}P"))
        #expect(text.hasSuffix("\u{1B}\\"))
        // One colour register, in percent RGB, close to pure red (the quantiser may round it).
        let register = try #require(text.firstMatch(of: /#0;2;(\d+);(\d+);(\d+)/))
        #expect(Int(register.1)! > 90 && Int(register.2)! < 5 && Int(register.3)! < 5)
        // Both columns have all six pixels of the band set: sixel character "~" (0x3F + 0b111111).
        #expect(text.contains("~~"))
    }
}

final class Collector { var bytes: [UInt8] = [] }
