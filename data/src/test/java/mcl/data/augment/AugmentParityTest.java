package mcl.data.augment;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import mcl.data.FloatImage;
import mcl.data.RgbImage;
import mcl.tensors.HostTensor;
import mcl.tensors.SafeTensors;
import mcl.testing.Oracle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every augmentation op, and the whole BYOL chain for fixed draws, against
 * torchvision.transforms.functional on the same input (oracle/data_aug_parity.py).
 */
class AugmentParityTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Map<String, HostTensor> tensors = new LinkedHashMap<>();
    private final ObjectNode cases = JSON.createObjectNode();
    private RgbImage src;
    private final FloatImage input = new FloatImage();

    /** A textured test image with saturated, grey and mid-tone regions, odd sizes. */
    static RgbImage testImage(int w, int h, long seed) {
        RgbImage img = new RgbImage(w, h);
        Rng rng = new Rng(seed);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int r = (x * 255 / (w - 1) + rng.nextInt(40)) % 256;
                int g = (y * 255 / (h - 1) + rng.nextInt(40)) % 256;
                int b = ((x + y) % 7 == 0) ? r : rng.nextInt(256);
                if (x < 4) { g = r; b = r; } // grey strip: hue/saturation edge cases
                img.set(x, y, r, g, b);
            }
        }
        return img;
    }

    private static float[] copyOf(FloatImage f) { return java.util.Arrays.copyOf(f.data(), 3 * f.plane()); }

    private ObjectNode addCase(String name, String op, FloatImage out) {
        tensors.put(name, HostTensor.of(copyOf(out), 3, out.height(), out.width()));
        ObjectNode c = cases.putObject(name);
        c.put("op", op);
        return c;
    }

    private void pointwise(String name, String op, Consumer<FloatImage> f, String param, double value) {
        FloatImage img = new FloatImage().copyFrom(input);
        f.accept(img);
        ObjectNode c = addCase(name, op, img);
        if (param != null) c.put(param, value);
    }

    @Test
    void opsMatchTorchvision(@TempDir Path dir) throws Exception {
        Oracle.require();
        src = testImage(53, 41, 7);
        input.fromRgb(src);
        tensors.put("x", HostTensor.of(copyOf(input), 3, 41, 53));

        ResizedCrop.Scratch rs = new ResizedCrop.Scratch();
        int[][] crops = {{3, 5, 30, 40, 16, 16}, {0, 0, 41, 53, 41, 53}, {10, 7, 12, 9, 48, 40}, {1, 2, 37, 29, 13, 24}};
        for (int i = 0; i < crops.length; i++) {
            int[] c = crops[i];
            FloatImage out = new FloatImage();
            ResizedCrop.apply(src, new ResizedCrop.Box(c[0], c[1], c[2], c[3]), c[5], c[4], out, rs);
            ObjectNode p = addCase("resized_crop_" + i, "resized_crop", out);
            p.put("top", c[0]).put("left", c[1]).put("height", c[2]).put("width", c[3]).put("out_h", c[4]).put("out_w", c[5]);
        }
        pointwise("hflip", "hflip", Flip::horizontal, null, 0);
        pointwise("grayscale", "grayscale", Grayscale::apply, null, 0);
        pointwise("solarize", "solarize", im -> Solarize.apply(im, Solarize.THRESHOLD), "threshold", Solarize.THRESHOLD);
        for (float f : new float[] {0.6f, 1.37f}) {
            pointwise("brightness_" + f, "brightness", im -> ColorOps.brightness(im, f), "factor", f);
            pointwise("contrast_" + f, "contrast", im -> ColorOps.contrast(im, f), "factor", f);
        }
        for (float f : new float[] {0.8f, 1.2f, 0f}) pointwise("saturation_" + f, "saturation", im -> ColorOps.saturation(im, f), "factor", f);
        for (float f : new float[] {-0.1f, 0.07f, 0.5f}) pointwise("hue_" + f, "hue", im -> ColorOps.hue(im, f), "factor", f);
        GaussianBlur.Scratch bs = new GaussianBlur.Scratch();
        for (double sigma : new double[] {0.1, 0.9, 2.0}) {
            int k = GaussianBlur.kernelSize(sigma, input.width(), input.height());
            FloatImage img = new FloatImage().copyFrom(input);
            GaussianBlur.apply(img, k, sigma, bs);
            addCase("blur_" + sigma, "gaussian_blur", img).put("kernel", k).put("sigma", sigma);
        }

        // The whole chain for draws from both views, jitter orders included.
        ByolAugment.Scratch as = new ByolAugment.Scratch();
        String[] opNames = {"brightness", "contrast", "saturation", "hue"};
        int chains = 0;
        for (long seed = 0; chains < 6; seed++) {
            int view = 1 + (int) (seed % 2);
            ByolAugment.Draw d = ByolAugment.draw(new Rng(seed), src.width(), src.height(), ByolAugment.View.of(view));
            FloatImage out = new FloatImage();
            ByolAugment.apply(d, src, 32, out, as);
            ObjectNode p = addCase("byol_" + seed, "byol", out);
            var b = d.crop();
            p.put("top", b.top()).put("left", b.left()).put("height", b.height()).put("width", b.width()).put("out_h", 32).put("out_w", 32);
            p.put("flip", d.flip()).put("gray", d.gray()).put("solarize", d.solarize()).put("threshold", Solarize.THRESHOLD);
            p.put("sigma", d.blurSigma()).put("kernel", d.blurSigma() > 0 ? GaussianBlur.kernelSize(d.blurSigma(), 32, 32) : 1);
            var jitter = p.putArray("jitter");
            if (d.jitter() != null) {
                ColorJitter.Draw j = d.jitter();
                float[] factors = {j.brightness(), j.contrast(), j.saturation(), j.hue()};
                for (int op : j.order()) jitter.addArray().add(opNames[op]).add(factors[op]);
            }
            chains++;
        }

        SafeTensors.write(dir.resolve("tensors.safetensors"), tensors, Map.of());
        Files.writeString(dir.resolve("cases.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(cases));
        Oracle.run("data_aug_parity.py", dir.toString());
    }
}
