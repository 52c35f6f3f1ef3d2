package mcl.graphs.probe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import mcl.graph.Graph;
import mcl.graph.OnnxExport;
import mcl.graph.nn.BnMode;
import mcl.graph.nn.Nn;
import mcl.graphs.BackboneFpn;
import mcl.graphs.Preset;
import mcl.tensors.HostTensor;
import mcl.testing.OrtHarness;
import mcl.testing.TestWeights;
import org.junit.jupiter.api.Test;

/** The dense probe's hypercolumns: block i is P(i+2) of the eval-mode pyramid, upsampled bilinearly to 1/4 of the input. */
class DenseFeatureGraphTest {
    @Test
    void channelBlocksAreThePyramidLevelsUpsampledToOneQuarter() {
        Preset preset = Preset.TINY;
        int batch = 2;
        int size = 64;
        Graph dense = DenseFeatureGraph.build(preset, batch, size);
        Graph pyramid = BackboneFpn.graph(preset, BnMode.EVAL, batch, size);
        Map<String, HostTensor> feed = new LinkedHashMap<>(TestWeights.random(dense.params(), 3));
        feed.put(DenseFeatureGraph.IMAGES, HostTensor.of(TestWeights.uniform(new SplittableRandom(5), batch * 3 * size * size, -2, 2), batch, 3, size, size));
        HostTensor features = OrtHarness.run(OnnxExport.toModel(dense), feed).get(DenseFeatureGraph.FEATURES);
        Map<String, HostTensor> levels = OrtHarness.run(OnnxExport.toModel(pyramid), feed);

        int c = preset.fpnChannels();
        int fs = size / DenseFeatureGraph.STRIDE;
        assertEquals(4 * c, DenseFeatureGraph.channels(preset));
        assertArrayEquals(new long[] {batch, 4 * c, fs, fs}, features.shape());
        for (int i = 0; i < 4; i++) {
            float[] level = levels.get(BackboneFpn.LEVEL_NAMES.get(i)).floats();
            int factor = 1 << i;
            int in = fs / factor;
            float[] a = Nn.bilinearMatrix(in, factor);
            double worst = 0;
            for (int b = 0; b < batch; b++) {
                for (int ch = 0; ch < c; ch++) {
                    int src = (b * c + ch) * in * in;
                    int dst = ((b * 4 * c) + i * c + ch) * fs * fs;
                    for (int oy = 0; oy < fs; oy++) {
                        for (int ox = 0; ox < fs; ox++) {
                            double want = 0;
                            for (int iy = 0; iy < in; iy++) {
                                for (int ix = 0; ix < in; ix++) want += a[oy * in + iy] * a[ox * in + ix] * level[src + iy * in + ix];
                            }
                            worst = Math.max(worst, Math.abs(want - features.floats()[dst + oy * fs + ox]));
                        }
                    }
                }
            }
            assertEquals(0.0, worst, 1e-4, "block " + i + " is P" + (i + 2) + " upsampled x" + factor);
        }
    }
}
