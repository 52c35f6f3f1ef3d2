package mcl.runtime.ort;

/**
 * How to open a session.
 *
 * @param intraOpThreads threads ORT uses inside one op (0 = ORT's default, all cores)
 * @param profilePrefix  if non-null, ORT writes a per-node JSON profile with this file prefix
 * @param deviceId       the CUDA device (a data-parallel rank takes its local rank's)
 */
public record SessionConfig(Device device, int intraOpThreads, String profilePrefix, int deviceId) {
    public SessionConfig(Device device, int intraOpThreads, String profilePrefix) {
        this(device, intraOpThreads, profilePrefix, 0);
    }

    public static SessionConfig cpu(int threads) { return new SessionConfig(Device.CPU, threads, null); }

    public SessionConfig withProfiling(String prefix) { return new SessionConfig(device, intraOpThreads, prefix, deviceId); }
}
