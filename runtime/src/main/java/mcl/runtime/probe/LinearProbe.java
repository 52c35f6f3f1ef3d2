package mcl.runtime.probe;

/**
 * A linear classifier on frozen features: features standardised with the training set's mean and
 * deviation, multinomial logistic regression with a little L2, full-batch gradient descent with
 * momentum from zero weights (deterministic, no sampling), top-1 accuracy on the test set.
 */
public final class LinearProbe {
    private LinearProbe() { }

    public static double accuracy(float[][] train, int[] trainLabels, float[][] test, int[] testLabels, int classes, int iterations) {
        int n = train.length;
        int d = train[0].length;
        double[] mean = new double[d];
        double[] std = new double[d];
        for (float[] x : train) for (int j = 0; j < d; j++) mean[j] += x[j] / (double) n;
        for (float[] x : train) for (int j = 0; j < d; j++) std[j] += (x[j] - mean[j]) * (x[j] - mean[j]) / n;
        for (int j = 0; j < d; j++) std[j] = Math.sqrt(std[j]) + 1e-6;
        double[][] xs = standardise(train, mean, std);
        double[][] w = new double[classes][d + 1]; // last column: bias
        double[][] vel = new double[classes][d + 1];
        double lr = 0.5;
        double momentum = 0.9;
        double decay = 1e-4;
        double[] p = new double[classes];
        for (int it = 0; it < iterations; it++) {
            double[][] grad = new double[classes][d + 1];
            for (int i = 0; i < n; i++) {
                softmax(w, xs[i], p);
                p[trainLabels[i]] -= 1;
                for (int c = 0; c < classes; c++) {
                    double g = p[c] / n;
                    if (g == 0) continue;
                    for (int j = 0; j < d; j++) grad[c][j] += g * xs[i][j];
                    grad[c][d] += g;
                }
            }
            for (int c = 0; c < classes; c++) {
                for (int j = 0; j <= d; j++) {
                    vel[c][j] = momentum * vel[c][j] - lr * (grad[c][j] + (j < d ? decay * w[c][j] : 0));
                    w[c][j] += vel[c][j];
                }
            }
        }
        double[][] ts = standardise(test, mean, std);
        int correct = 0;
        for (int i = 0; i < ts.length; i++) {
            softmax(w, ts[i], p);
            int pred = 0;
            for (int c = 1; c < classes; c++) if (p[c] > p[pred]) pred = c;
            if (pred == testLabels[i]) correct++;
        }
        return correct / (double) ts.length;
    }

    private static double[][] standardise(float[][] x, double[] mean, double[] std) {
        double[][] out = new double[x.length][mean.length];
        for (int i = 0; i < x.length; i++) for (int j = 0; j < mean.length; j++) out[i][j] = (x[i][j] - mean[j]) / std[j];
        return out;
    }

    private static void softmax(double[][] w, double[] x, double[] p) {
        int d = x.length;
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < w.length; c++) {
            double z = w[c][d];
            for (int j = 0; j < d; j++) z += w[c][j] * x[j];
            p[c] = z;
            max = Math.max(max, z);
        }
        double sum = 0;
        for (int c = 0; c < w.length; c++) {
            p[c] = Math.exp(p[c] - max);
            sum += p[c];
        }
        for (int c = 0; c < w.length; c++) p[c] /= sum;
    }
}
