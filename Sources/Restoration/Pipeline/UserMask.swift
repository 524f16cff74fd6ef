import Imaging
import Tensors

extension RGBImage {
    /// A {0, 1} mask ([N, 1, R, R]; the first one) as a picture: white where guidance acts.
    public init(mask: Tensor) {
        let (h, w) = (mask.shape[2], mask.shape[3])
        let plane = Array(mask.scalars.prefix(h * w))
        self.init(width: w, height: h, samples: plane + plane + plane)
    }
}

/// A guidance mask the user drew: any PNG or JPEG, resized to the model's resolution (area filter),
/// white (brightness above one half) where guidance may act.
public enum UserMask {
    public static func load(_ path: String, resolution: Int) throws -> Tensor {
        let image = try ImageFile.read(path)
        let fitted = image.width == resolution && image.height == resolution
            ? image : image.resized(width: resolution, height: resolution, filter: image.width > resolution ? .box : .bicubic)
        let plane = resolution * resolution
        let values = (0..<plane).map { i -> Float in
            (fitted.samples[i] + fitted.samples[plane + i] + fitted.samples[2 * plane + i]) / 3 > 0.5 ? 1 : 0
        }
        return Tensor(shape: [1, 1, resolution, resolution], scalars: values)
    }
}
