package mcl.runtime.probe;

/**
 * Weighted k-nearest-neighbour classification of frozen features, the common self-supervised
 * protocol (InstDisc, DINO): features L2-normalised, cosine similarity, the k most similar training
 * features vote for their class with weight exp(similarity / T), top-1 accuracy on the test set.
 * Ties in similarity go to the lower training index, so the result is deterministic.
 */
public final class KnnProbe {
    private KnnProbe() { }

    /**
     * @param train [n][d] features, {@code trainLabels} in 0..classes-1; the same for test
     * @return top-1 accuracy on the test set
     */
    public static double accuracy(float[][] train, int[] trainLabels, float[][] test, int[] testLabels, int classes, int k, double temperature) {
        if (train.length == 0 || test.length == 0) throw new IllegalArgumentException("k-NN needs training and test features");
        int kk = Math.min(k, train.length);
        float[][] tr = normalised(train);
        float[][] te = normalised(test);
        int correct = 0;
        double[] sims = new double[tr.length];
        int[] best = new int[kk];
        double[] votes = new double[classes];
        for (int q = 0; q < te.length; q++) {
            for (int i = 0; i < tr.length; i++) sims[i] = dot(te[q], tr[i]);
            topK(sims, best);
            java.util.Arrays.fill(votes, 0);
            for (int j : best) votes[trainLabels[j]] += Math.exp(sims[j] / temperature);
            int pred = 0;
            for (int c = 1; c < classes; c++) if (votes[c] > votes[pred]) pred = c;
            if (pred == testLabels[q]) correct++;
        }
        return correct / (double) te.length;
    }

    /** Indices of the best.length largest values, ties to the lower index. */
    static void topK(double[] v, int[] best) {
        int filled = 0;
        for (int i = 0; i < v.length; i++) {
            if (filled < best.length) {
                best[filled++] = i;
                for (int j = filled - 1; j > 0 && v[best[j]] > v[best[j - 1]]; j--) swap(best, j);
            } else if (v[i] > v[best[best.length - 1]]) {
                best[best.length - 1] = i;
                for (int j = best.length - 1; j > 0 && v[best[j]] > v[best[j - 1]]; j--) swap(best, j);
            }
        }
    }

    private static void swap(int[] a, int j) {
        int t = a[j];
        a[j] = a[j - 1];
        a[j - 1] = t;
    }

    static float[][] normalised(float[][] x) {
        float[][] out = new float[x.length][];
        for (int i = 0; i < x.length; i++) {
            double n = Math.sqrt(dot(x[i], x[i]));
            out[i] = new float[x[i].length];
            for (int j = 0; j < x[i].length; j++) out[i][j] = (float) (n > 0 ? x[i][j] / n : 0);
        }
        return out;
    }

    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }
}
