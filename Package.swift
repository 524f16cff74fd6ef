// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "dnr",
    products: [
        .executable(name: "dnr", targets: ["dnr"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C libraries. Each system module is a module map plus a shim header; CPNG is a small C
        // wrapper because libpng reports errors by longjmp, which Swift cannot catch.
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CTurboJPEG", pkgConfig: "libturbojpeg", providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(name: "CSixel", pkgConfig: "libsixel", providers: [.apt(["libsixel-dev"])]),
        .systemLibrary(name: "CNcursesw", providers: [.apt(["libncurses-dev"])]),  // no pkgConfig: its -D flags are refused by SwiftPM; the shim defines them
        .systemLibrary(name: "CMalloc"),
        .systemLibrary(name: "CLibCrypto", providers: [.apt(["libssl-dev"])]),  // SHA-256 of model files
        .target(name: "CPNG", linkerSettings: [.linkedLibrary("png16")]),
        .target(name: "CCPUFeatures"),
        // The engine's memory-bound loops, multi-versioned for AVX-512, AVX2 and the baseline.
        .target(name: "CKernels"),

        // The engine and the domain libraries.
        .target(name: "FileIO", dependencies: ["CLibCrypto"]),
        .target(name: "Tensors", dependencies: ["COpenBLAS", "CMalloc", "CCPUFeatures", "CKernels", "FileIO"]),
        .target(name: "Imaging", dependencies: ["Tensors", "FileIO", "CPNG", "CTurboJPEG"]),
        .target(name: "FaceID", dependencies: ["Tensors", "Imaging", "FileIO"]),
        .target(name: "FaceFinding", dependencies: ["Tensors", "Imaging", "FaceID", "FileIO"]),
        .target(name: "Restoration", dependencies: ["Tensors", "Imaging", "FaceID", "FaceFinding", "FileIO"]),
        .target(name: "Explorer", dependencies: ["Imaging", "Restoration", "Tensors", "FaceID", "FaceFinding", "FileIO", "CSixel", "CNcursesw"]),
        .target(name: "Benchmarks", dependencies: ["Tensors", "FaceID", "FaceFinding", "Restoration", "Explorer", "Imaging", "FileIO", "COpenBLAS", "PseudoTerminal"]),
        // Drives a program on a pseudo-terminal: `dnr bench explorer` and the terminal tests.
        .target(name: "PseudoTerminal", dependencies: ["CNcursesw"]),
        .target(name: "CommandLineSupport"),

        // The thin executable: argument parsing and wiring only.
        .executableTarget(name: "dnr", dependencies: [
            "Imaging", "Tensors", "FaceID", "FaceFinding", "Restoration", "Explorer", "Benchmarks", "FileIO", "CommandLineSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // libFuzzer harnesses for the loaders; a real build only through scripts/fuzz.sh.
        .executableTarget(name: "dnr-fuzz", dependencies: ["Imaging", "Tensors", "FaceID", "FaceFinding", "Restoration", "Explorer"]),

        // Helpers only the tests link: the package root, scratch folders.
        .target(name: "TestSupport"),
        .testTarget(name: "SystemLibrariesTests", dependencies: ["COpenBLAS", "CSixel", "CNcursesw", "CTurboJPEG", "CPNG"]),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors", "CKernels"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "Tensors", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "FaceIDTests", dependencies: ["FaceID", "Imaging", "Tensors", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "FaceFindingTests", dependencies: ["FaceFinding", "FaceID", "Imaging", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "RestorationTests", dependencies: ["Restoration", "Tensors", "FaceID", "Imaging", "TestSupport", "FileIO"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ExplorerTests", dependencies: ["Explorer", "Imaging", "Tensors", "Restoration", "FaceID", "TestSupport"]),
        .testTarget(name: "DNRCommandTests", dependencies: ["Imaging", "Restoration", "Tensors", "PseudoTerminal", "TestSupport", "FileIO", "dnr"]),
    ]
)
