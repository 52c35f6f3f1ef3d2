package mcl.runtime.ort;

/**
 * How to open a session.
 *
 * @param intraOpThreads threads ORT uses inside one op (0 = ORT's default, all cores)
 * @param profilePrefix  if non-null, ORT writes a per-node JSON profile with this file prefix
 * @param deviceId       the CUDA device (a data-parallel rank takes its local rank's)
 * @param spin           whether ORT's idle intra-op threads spin waiting for work (its default);
 *                       off for graphs run as many short stages, whose sessions' pools would
 *                       otherwise spin against each other (measured: tiny with 2 SyncBN shards
 *                       in one process, 3.2 s a step spinning, 0.30 s not)
 */
public record SessionConfig(Device device, int intraOpThreads, String profilePrefix, int deviceId, boolean spin) {
    public SessionConfig(Device device, int intraOpThreads, String profilePrefix) {
        this(device, intraOpThreads, profilePrefix, 0);
    }

    public SessionConfig(Device device, int intraOpThreads, String profilePrefix, int deviceId) {
        this(device, intraOpThreads, profilePrefix, deviceId, true);
    }

    public SessionConfig withoutSpinning() { return new SessionConfig(device, intraOpThreads, profilePrefix, deviceId, false); }

    public static SessionConfig cpu(int threads) { return new SessionConfig(Device.CPU, threads, null); }

    public SessionConfig withProfiling(String prefix) { return new SessionConfig(device, intraOpThreads, prefix, deviceId, spin); }
}
