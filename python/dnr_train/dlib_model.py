"""dlib's face-recognition ResNet, read from its original .dat file (the file dnr ships), frozen.

The reader follows dnr's DlibModelFile.swift record by record (docs: face-recognizer-spec §5).
"""
import hashlib
import struct

import torch
import torch.nn.functional as F

MODEL_SHA256 = "55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30"
INPUT_SIZE = 150
# (downsamples, count) of the residual units, bottom-up.
UNIT_PLAN = [(False, 3), (True, 1), (False, 3), (True, 1), (False, 2), (True, 1), (False, 2), (True, 1)]


class MalformedModel(ValueError):
    pass


class _Reader:
    def __init__(self, data: bytes):
        self.data, self.offset = data, 0

    def fail(self, why):
        raise MalformedModel(f"malformed model file at byte {self.offset}: {why}")

    def byte(self):
        if self.offset >= len(self.data):
            self.fail("the file ends early")
        self.offset += 1
        return self.data[self.offset - 1]

    def signed(self):
        control = self.byte()
        count = control & 0x0F
        if not 1 <= count <= 8 or control & 0x70:
            self.fail(f"bad integer control byte {control:#x}")
        value = int.from_bytes(self.data[self.offset:self.offset + count], "little")
        self.offset += count
        return -value if control & 0x80 else value

    def string(self):
        n = self.signed()
        s = self.data[self.offset:self.offset + n].decode()
        self.offset += n
        return s

    def boolean(self):
        b = self.byte()
        if b not in (ord("0"), ord("1")):
            self.fail("expected a '0' or '1' boolean")
        return b == ord("1")

    def real(self):
        m, e = self.signed(), self.signed()
        return {32000: float("inf"), 32001: float("-inf"), 32002: float("nan")}.get(e, m * 2.0 ** e)

    def tensor(self):
        if self.signed() != 2:
            self.fail("tensor version must be 2")
        shape = [self.signed() for _ in range(4)]
        count = shape[0] * shape[1] * shape[2] * shape[3]
        if self.offset + 4 * count > len(self.data):
            self.fail("the file ends early")
        values = torch.tensor(struct.unpack_from(f"<{count}f", self.data, self.offset), dtype=torch.float32)
        self.offset += 4 * count
        return shape, values

    def alias(self):
        if self.signed() != 1:
            self.fail("alias tensor version must be 1")
        return [self.signed() for _ in range(4)]


def _layer(r: _Reader):
    version = r.string()
    if version in ("con_4", "con_5", "con_6"):
        _, params = r.tensor()
        filters, rows, cols = r.signed(), r.signed(), r.signed()
        stride, _, pad, _ = r.signed(), r.signed(), r.signed(), r.signed()
        shape = r.alias()
        r.alias()
        for _ in range(4):
            r.real()
        bias = True if version == "con_4" else r.boolean()
        if version == "con_6" and r.boolean():
            r.fail("convolutions with a fused ReLU are not supported")
        n = shape[0] * shape[1] * shape[2] * shape[3]
        b = params[n:n + filters] if bias else torch.zeros(filters)
        return ("con", params[:n].reshape(shape).clone(), b.clone(), stride, pad)
    if version in ("affine_", "affine_2"):
        _, params = r.tensor()
        shape = r.alias()
        r.alias()
        if r.signed() != 0:
            r.fail("only per-channel affine layers are supported")
        c = shape[1]
        if version == "affine_2" and r.boolean():
            return ("affine", torch.ones(c), torch.zeros(c))
        return ("affine", params[:c].clone(), params[c:2 * c].clone())
    if version == "bn_con2":
        _, params = r.tensor()
        shape = r.alias()
        r.alias()
        r.tensor(); r.tensor()
        _, means = r.tensor()
        _, variances = r.tensor()
        r.signed(); r.signed()
        for _ in range(4):
            r.real()
        eps = r.real()
        c = shape[1]
        g = params[:c] / torch.sqrt(variances[:c] + eps)
        return ("affine", g, params[c:2 * c] - g * means[:c])
    if version == "relu_":
        return ("relu",)
    if version == "relu_2":
        r.boolean()
        return ("relu",)
    if version in ("max_pool_2", "avg_pool_2"):
        size, _, stride, _, pad, _ = (r.signed() for _ in range(6))
        return ("max_pool" if version == "max_pool_2" else "avg_pool", size, stride, pad)
    if version == "add_prev_":
        return ("add_prev",)
    if version in ("fc_2", "fc_3"):
        outputs, inputs = r.signed(), r.signed()
        _, params = r.tensor()
        r.alias(); r.alias()
        if r.signed() != 1:
            r.fail("only fully connected layers without bias are supported")
        for _ in range(4):
            r.real()
        if version == "fc_3":
            r.boolean()
        return ("fc", params[:inputs * outputs].reshape(inputs, outputs).clone())
    r.fail(f"unknown layer record '{version}'")


def read_dat(path, verify=True):
    """Parses the .dat: (means (r, g, b), distance threshold, the 108 layer records bottom-up)."""
    data = open(path, "rb").read()
    if verify and hashlib.sha256(data).hexdigest() != MODEL_SHA256:
        raise MalformedModel(f"{path}: not dlib_face_recognition_resnet_model_v1.dat (sha256 differs)")
    r = _Reader(data)
    if r.signed() != 1:
        r.fail("loss wrapper version must be 1")
    loss = r.string()
    threshold = 0.75
    if loss == "loss_metric_2":
        r.real()
        threshold = r.real()
    elif loss != "loss_metric_":
        r.fail(f"expected a loss_metric record, found '{loss}'")
    for _ in range(130):
        r.signed()
    if r.string() != "input_rgb_image_sized":
        r.fail("expected the input_rgb_image_sized record")
    means = (r.real(), r.real(), r.real())
    if r.signed() != 150 or r.signed() != 150:
        r.fail("the network input must be 150×150")
    layers = []
    for index in range(108):
        layers.append(_layer(r))
        r.boolean(); r.boolean(); r.boolean()
        for _ in range(3):
            r.tensor()
        if index == 0:
            r.signed()
    if r.offset != len(data):
        r.fail("unexpected bytes after the last layer")
    return means, threshold, layers


def bilinear_matrix(size_in, size_out, dtype=torch.float32, device=None):
    """[out, in] weights of a bilinear resize along one axis, align_corners=False, no antialiasing
    (source = (i + 0.5)·in/out − 0.5, clamped at 0), computed in float64 as dnr's LinearTaps are:
    PyTorch's own fp32 interpolate computes its weights in fp32 and its input gradients drift by
    ~1e-3 from dnr's."""
    m = torch.zeros(size_out, size_in, dtype=torch.float64)
    for i in range(size_out):
        source = max((i + 0.5) * size_in / size_out - 0.5, 0.0)
        low = min(int(source), size_in - 1)
        high = min(low + 1, size_in - 1)
        w = source - low
        m[i, low] += 1 - w
        m[i, high] += w
    return m.to(dtype=dtype, device=device)


def _zero_extended_sum(a, b):
    c = max(a.shape[1], b.shape[1])
    h, w = max(a.shape[2], b.shape[2]), max(a.shape[3], b.shape[3])
    pad = lambda t: F.pad(t, (0, w - t.shape[3], 0, h - t.shape[2], 0, c - t.shape[1]))
    return pad(a) + pad(b)


class FaceRecognizer(torch.nn.Module):
    """dlib's ResNet: descriptors [N, 128] of images in dnr's [−1, 1] convention, differentiable in
    the input. Each affine layer is folded into the convolution before it, as dnr does."""

    def __init__(self, path, verify=True):
        super().__init__()
        means, threshold, layers = read_dat(path, verify)
        self.same_person_threshold = threshold
        layers = list(layers)

        def take(kind):
            layer = layers.pop(0)
            if layer[0] != kind:
                raise MalformedModel(f"layer {108 - len(layers)} should be {kind}, is {layer[0]}")
            return layer

        def conv_affine():
            _, w, b, stride, pad = take("con")
            _, gamma, beta = take("affine")
            return (w * gamma[:, None, None, None], b * gamma + beta, stride, pad)

        self.convs, self.downsamples = [], []
        stem = conv_affine()
        take("relu"); _, self.pool_size, self.pool_stride, self.pool_pad = take("max_pool")
        self.convs.append(stem)
        for down, count in UNIT_PLAN:
            for _ in range(count):
                a = conv_affine(); take("relu"); b = conv_affine()
                if down:
                    take("avg_pool")
                take("add_prev"); take("relu")
                self.convs += [a, b]
                self.downsamples.append(down)
        take("avg_pool")
        _, projection = take("fc")
        for i, (w, b, _, _) in enumerate(self.convs):
            self.register_buffer(f"w{i}", w)
            self.register_buffer(f"b{i}", b)
        self.register_buffer("projection", projection)
        self.register_buffer("scale", torch.full((3,), 127.5 / 256))
        self.register_buffer("shift", torch.tensor([(127.5 - m) / 256 for m in means], dtype=torch.float32))
        self.geometry = [(stride, pad) for (_, _, stride, pad) in self.convs]
        self._resize = {}
        self.requires_grad_(False)

    def network_input(self, images):
        """Resized bilinearly to 150×150 (align_corners False, no antialiasing), pixels 127.5·(v + 1)
        minus dlib's channel means, ÷ 256."""
        h, w = images.shape[-2:]
        if (h, w) != (INPUT_SIZE, INPUT_SIZE):
            key = (h, w, images.dtype, images.device)
            if key not in self._resize:
                self._resize[key] = (bilinear_matrix(h, INPUT_SIZE, images.dtype, images.device),
                                     bilinear_matrix(w, INPUT_SIZE, images.dtype, images.device))
            rows, columns = self._resize[key]
            images = rows @ images @ columns.T
        return images * self.scale[None, :, None, None] + self.shift[None, :, None, None]

    def _conv(self, x, i):
        stride, pad = self.geometry[i]
        return F.conv2d(x, getattr(self, f"w{i}"), getattr(self, f"b{i}"), stride=stride, padding=pad)

    STAGE_ENDS = (2, 6, 9, 12)

    def features(self, images):
        """The descriptor and the maps the face-perceptual distance compares (after the stem and
        after each of the first four stages)."""
        x = self.network_input(images)
        h = F.relu(self._conv(x, 0))
        h = F.max_pool2d(h, self.pool_size, self.pool_stride, self.pool_pad)
        maps = [h]
        for u, down in enumerate(self.downsamples):
            y = self._conv(F.relu(self._conv(h, 1 + 2 * u)), 2 + 2 * u)
            h = F.relu(_zero_extended_sum(F.avg_pool2d(h, 2, 2) if down else h, y))
            if u in self.STAGE_ENDS:
                maps.append(h)
        return h.mean(dim=(2, 3)) @ self.projection, maps

    def forward(self, images):
        return self.features(images)[0]

    def perceptual_distance(self, a, b):
        """Face-perceptual distance per image (IdentityMeasures.swift): each map unit-normalised across
        channels, squared differences summed over channels and averaged over positions, mean of the maps."""
        unit = lambda f: f / torch.sqrt((f * f).sum(1, keepdim=True) + 1e-10)
        maps_a, maps_b = self.features(a)[1], self.features(b)[1]
        return sum(((unit(fa) - unit(fb)) ** 2).sum(1).mean((1, 2)) for fa, fb in zip(maps_a, maps_b)) / len(maps_a)


def identity_loss(a, b):
    """D_cos = 1 − cos(f(a), f(b)) per row (Eq. 4, 7)."""
    dot = (a * b).sum(1)
    return 1 - dot / (torch.sqrt((a * a).sum(1) + 1e-16) * torch.sqrt((b * b).sum(1) + 1e-16))
