import FaceID
import FileIO
import Tensors

/// The paper's inference pipeline: IPC → masks → guided reverse diffusion, over loaded networks.
public final class RestorationPipeline {
    public let conditioner: IdentityPreservingConditioner
    public let unet: ConditionalUNet
    public let maskBranch: MaskBranch?
    public let recognizer: FaceRecognizer
    /// What the user should know about the loaded networks (a mask trained against another IPC), one line each.
    public let notes: [String]
    public var resolution: Int { unet.configuration.resolution }

    public init(conditioner: IdentityPreservingConditioner, unet: ConditionalUNet, maskBranch: MaskBranch?, recognizer: FaceRecognizer,
                notes: [String] = []) {
        precondition(unet.configuration.inputChannels == 9, "the denoiser must take y_t, x and g(x) (9 channels)")
        self.conditioner = conditioner
        self.unet = unet
        self.maskBranch = maskBranch
        self.recognizer = recognizer
        self.notes = notes
    }

    /// Loads the three networks from `folder` (default: the project's Models/) and the recognizer.
    public static func load(from folder: String? = nil) throws(ModelStoreError) -> RestorationPipeline {
        let folder = ModelStore.folder(folder)
        let conditioner = try ModelStore.loadConditioner(from: folder)
        let unet = try ModelStore.loadUNet(from: folder)
        guard conditioner.configuration.resolution == unet.configuration.resolution else {
            throw .badConfiguration(path: folder, reason: "the IPC works at \(conditioner.configuration.resolution) px, the UNet at \(unet.configuration.resolution) px")
        }
        let recognizer: FaceRecognizer
        do { recognizer = try FaceRecognizer.loadDefault() } catch { throw .recognizer(error) }
        return RestorationPipeline(conditioner: conditioner, unet: unet, maskBranch: try ModelStore.loadMask(from: folder), recognizer: recognizer,
                                   notes: [ModelStore.maskPairingNote(in: folder)].compactMap { $0 })
    }

    /// g(x) for a degraded [1, 3, R, R] face.
    public func condition(_ degraded: Tensor) -> Tensor { conditioning(degraded).output }

    /// g(x) and the IPC's deep features (which a mask sub-branch reads).
    public func conditioning(_ degraded: Tensor) -> Conditioning {
        withoutGradients {
            let (output, features) = conditioner.withFeatures(Variable(degraded))
            return Conditioning(output: output.value, features: features.value)
        }
    }

    /// A sampler for one degraded [1, 3, R, R] face.
    public func makeSampler(degraded: Tensor, conditioning: Conditioning? = nil, settings: SamplerSettings, userMask: Tensor? = nil) -> RestorationSampler {
        precondition(degraded.shape == [1, 3, resolution, resolution], "the pipeline restores [1, 3, \(resolution), \(resolution)] faces, got \(degraded.shape)")
        let c = conditioning ?? self.conditioning(degraded)
        return RestorationSampler(predictor: unet, degraded: degraded, conditioned: c.output, settings: settings,
                                  recognizer: recognizer, maskBranch: maskBranch, conditionerFeatures: c.features, userMask: userMask)
    }
}

/// The IPC's output g(x) for one face, with its deep features.
public struct Conditioning: Sendable {
    public let output: Tensor
    public let features: Tensor
}
