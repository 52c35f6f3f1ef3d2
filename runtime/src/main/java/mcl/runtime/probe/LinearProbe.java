package mcl.runtime.probe;

/** A linear classifier ({@link SoftmaxRegression}) on frozen pooled features: top-1 accuracy on the test set. */
public final class LinearProbe {
    private LinearProbe() { }

    public static double accuracy(float[][] train, int[] trainLabels, float[][] test, int[] testLabels, int classes, int iterations) {
        SoftmaxRegression model = SoftmaxRegression.fit(train, trainLabels, classes, iterations);
        int correct = 0;
        for (int i = 0; i < test.length; i++) if (model.predict(test[i], 0) == testLabels[i]) correct++;
        return correct / (double) test.length;
    }
}
