import FaceID
import FileIO
import Foundation
import Tensors

/// Why trained weights could not be loaded; one line each, naming the file and the tensor.
public enum ModelStoreError: Error, CustomStringConvertible, Sendable {
    case missing(path: String, hint: String)
    case badConfiguration(path: String, reason: String)
    case weights(SafetensorsError)
    case recognizer(DlibModelError)

    public var description: String {
        switch self {
        case .missing(let path, let hint): "\(path): not found; \(hint)"
        case .badConfiguration(let path, let reason): "\(path): \(reason)"
        case .weights(let error): error.description
        case .recognizer(let error): error.description
        }
    }
}

/// The trained networks as files: one safetensors file per network, its configuration (JSON) in
/// the file's metadata under "config", so weights and shape always travel together.
public enum ModelStore {
    public static let conditionerFile = "ipc.safetensors"
    public static let unetFile = "unet.safetensors"
    public static let maskFile = "mask.safetensors"

    /// `folder` when given, else the project's Models/ (the first of `ModelLocator`'s candidates that holds
    /// `file`), else "Models", so that the error names the folder the user would expect.
    public static func folder(_ folder: String?, holding file: String = unetFile) -> String {
        folder ?? ModelLocator.path(of: file).map { String($0.dropLast(file.count + 1)) } ?? "Models"
    }

    public static func save<C: Encodable>(_ module: Module, configuration: C, to path: String, dtype: SafetensorsDType = .f32,
                                          metadata: [String: String] = [:]) throws {
        let config = String(decoding: try JSONEncoder().encode(configuration), as: UTF8.self)
        try Safetensors.write(module.parameterTensors, dtype: dtype, metadata: metadata.merging(["config": config]) { $1 }, to: path)
    }

    /// The configuration stored in a weights file.
    /// The configuration stored in a weights file, checked against `NetworkLimits` before anything is built.
    static func configuration<C: CheckedConfiguration>(_ type: C.Type, in archive: SafetensorsArchive) throws(ModelStoreError) -> C {
        guard let text = archive.metadata["config"] else {
            throw .badConfiguration(path: archive.path, reason: "the file has no \"config\" metadata; it was not written by dnr")
        }
        let decoded: C
        do { decoded = try JSONDecoder().decode(C.self, from: Data(text.utf8)) } catch {
            throw .badConfiguration(path: archive.path, reason: "its configuration does not describe a \(C.self): \(error)")
        }
        if let problem = decoded.problem { throw .badConfiguration(path: archive.path, reason: problem) }
        return decoded
    }

    static func read(_ folder: String, _ file: String) throws(ModelStoreError) -> SafetensorsArchive {
        let path = folder + "/" + file
        guard pathKind(path) == .file else {
            throw .missing(path: path, hint: "train it with `dnr train` or pass --weights with a folder holding \(file)")
        }
        do { return try Safetensors.read(path) } catch { throw .weights(error) }
    }

    public static func loadConditioner(from folder: String) throws(ModelStoreError) -> IdentityPreservingConditioner {
        let archive = try read(folder, conditionerFile)
        let network = IdentityPreservingConditioner(try configuration(ConditionerConfiguration.self, in: archive))
        do { try network.load(from: archive) } catch { throw .weights(error) }
        return network
    }

    public static func loadUNet(from folder: String) throws(ModelStoreError) -> ConditionalUNet {
        let archive = try read(folder, unetFile)
        let network = ConditionalUNet(try configuration(UNetConfiguration.self, in: archive))
        do { try network.load(from: archive) } catch { throw .weights(error) }
        return network
    }

    /// What the loaders answer to any bytes as one of the three weight files (for the fuzzer): each
    /// network whose configuration the file's metadata describes is built and loaded strictly.
    public static func check(_ bytes: [UInt8]) throws {
        let archive: SafetensorsArchive
        do { archive = try Safetensors.decode(bytes, path: "<fuzz>") } catch { throw ModelStoreError.weights(error) }
        if let c = try? configuration(ConditionerConfiguration.self, in: archive) { try IdentityPreservingConditioner(c).load(from: archive) }
        if let c = try? configuration(UNetConfiguration.self, in: archive) { try ConditionalUNet(c).load(from: archive) }
        if let c = try? configuration(MaskConfiguration.self, in: archive) { try MaskBranch(c).load(from: archive) }
    }

    /// A note when the folder's mask sub-branch was trained reading another IPC than the folder's: the branch reads
    /// the IPC's features, so its regions move when the IPC is retrained (docs/mask-decision.md). Nil when they
    /// match, or when the mask's card does not say.
    public static func maskPairingNote(in folder: String) -> String? {
        guard let card = try? ModelCard.read(ModelCard.path(besideWeights: folder + "/" + maskFile)), let expected = card.ipcSHA256,
              let bytes = try? AtomicFile.read(folder + "/" + conditionerFile) else { return nil }
        let actual = Checksum.sha256(bytes)
        guard actual != expected else { return nil }
        return "note: \(folder)/\(maskFile) was trained reading another IPC (sha256 \(expected.prefix(16))…) than \(conditionerFile) "
            + "(\(actual.prefix(16))…); M moves with the IPC's features, so rebase it onto this IPC (the mirror's mask --rebase-from)"
    }

    /// The mask branch, or nil when the folder has none (masked guidance then uses M′).
    public static func loadMask(from folder: String) throws(ModelStoreError) -> MaskBranch? {
        guard pathKind(folder + "/" + maskFile) == .file else { return nil }
        let archive = try read(folder, maskFile)
        let network = MaskBranch(try configuration(MaskConfiguration.self, in: archive))
        do { try network.load(from: archive) } catch { throw .weights(error) }
        return network
    }
}
