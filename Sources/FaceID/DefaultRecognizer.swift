import FileIO
import Imaging
import Tensors

extension FaceRecognizer {
    /// The recognizer from the project's `Models/` folder (see `ModelLocator`).
    public static func loadDefault() throws(DlibModelError) -> FaceRecognizer {
        try FaceRecognizer(modelPath: RecognizerModelFile.defaultPath())
    }

    /// The descriptor of one face image (a square chip in dlib's framing, any size).
    public func descriptor(of image: RGBImage) -> [Float] {
        withoutGradients { descriptors(Variable(image.tensor())) }.value.scalars
    }
}
