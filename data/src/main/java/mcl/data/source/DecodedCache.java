package mcl.data.source;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import mcl.data.RgbImage;

/**
 * Keeps the reduced decodes of slow images for later epochs. A 4096x4096 WebP or a 5640x3172 JPEG
 * takes 0.1-1 s to decode but is kept at the few hundred pixels its smallest crop needs (about
 * 100 KB), so from the second epoch on a folder of large photos costs no decoding at all. Exact:
 * the decode depends only on the file and the crop size, which are the key. Only decodes slower
 * than {@value #SLOW_MILLIS} ms are kept (a small JPEG decodes faster than it is worth holding),
 * and at most {@code -Dmcl.decode.cache.mb} MB in all (default 512; 0 turns the cache off): once
 * full, it keeps what it holds (epochs visit images in random order, so no eviction policy would
 * hit more often).
 */
final class DecodedCache {
    static final long SLOW_MILLIS = 5;
    private static final long DEFAULT_BYTES = Long.getLong("mcl.decode.cache.mb", 512) << 20;

    private record Entry(int width, int height, byte[] pixels) { }

    private final ConcurrentHashMap<Long, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicLong used = new AtomicLong();
    private final long capacity;

    DecodedCache() { this(DEFAULT_BYTES); }

    DecodedCache(long capacityBytes) { this.capacity = capacityBytes; }

    private static long key(int index, int cropSize) { return ((long) cropSize << 32) | (index & 0xffffffffL); }

    /** Copies a kept decode into {@code out}; false when there is none. */
    boolean get(int index, int cropSize, RgbImage out) {
        Entry e = entries.get(key(index, cropSize));
        if (e == null) return false;
        out.resize(e.width, e.height);
        System.arraycopy(e.pixels, 0, out.pixels(), 0, e.pixels.length);
        return true;
    }

    /** Keeps a copy of {@code img} if its decode took long enough and it fits. */
    void offer(int index, int cropSize, RgbImage img, long decodeNanos) {
        if (decodeNanos < SLOW_MILLIS * 1_000_000L) return;
        int bytes = 3 * img.width() * img.height();
        if (used.addAndGet(bytes) > capacity) {
            used.addAndGet(-bytes);
            return;
        }
        byte[] copy = java.util.Arrays.copyOf(img.pixels(), bytes);
        if (entries.putIfAbsent(key(index, cropSize), new Entry(img.width(), img.height(), copy)) != null) used.addAndGet(-bytes);
    }

    long bytesUsed() { return used.get(); }

    int size() { return entries.size(); }
}
