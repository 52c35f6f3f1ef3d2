package mcl.data.source;

import java.util.function.Consumer;

/**
 * Where the data pipeline's one-line warnings go (standard error by default). Tests swap the
 * sink to count them; a trainer may route them to its log.
 */
public final class Warnings {
    private static volatile Consumer<String> sink = line -> System.err.println(line);

    private Warnings() { }

    public static void warn(String message) { sink.accept("WARNING [mcl.data] " + message.replace('\n', ' ')); }

    /** Replaces the sink; returns the previous one so it can be restored. */
    public static Consumer<String> setSink(Consumer<String> newSink) {
        Consumer<String> old = sink;
        sink = newSink;
        return old;
    }
}
