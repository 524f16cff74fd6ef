import FileIO
import Imaging
import Tensors

extension FaceRecognizer {
    /// The recognizer from the project's `Models/` folder (see `ModelLocator`).
    public static func loadDefault() throws(DlibModelError) -> FaceRecognizer {
        guard let path = ModelLocator.path(of: RecognizerModelFile.name) else {
            throw .unreadable(path: RecognizerModelFile.name,
                              reason: "not found in \(ModelLocator.candidateFolders().joined(separator: ", ")); set DNR_MODELS to the folder holding it")
        }
        return try FaceRecognizer(modelPath: path)
    }

    /// The descriptor of one face image (a square chip in dlib's framing, any size).
    public func descriptor(of image: RGBImage) -> [Float] {
        withoutGradients { descriptors(Variable(image.tensor())) }.value.scalars
    }
}
