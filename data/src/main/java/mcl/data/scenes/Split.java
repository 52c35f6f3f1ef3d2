package mcl.data.scenes;

/** Which Fashion-MNIST file a scene set draws its garments from; the two never mix. */
public enum Split {
    /** train-*-ubyte: 60,000 garments, for pre-training and fine-tuning scenes. */
    TRAIN("train"),
    /** t10k-*-ubyte: 10,000 garments, for evaluation scenes only. */
    TEST("t10k");

    private final String filePrefix;

    Split(String filePrefix) { this.filePrefix = filePrefix; }

    /** The IDX file name prefix, "train" or "t10k". */
    public String filePrefix() { return filePrefix; }
}
