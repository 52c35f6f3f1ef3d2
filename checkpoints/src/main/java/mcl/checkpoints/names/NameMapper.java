package mcl.checkpoints.names;

import java.util.LinkedHashMap;
import java.util.Map;
import mcl.tensors.HostTensor;

/**
 * Maps canonical parameter names (torchvision {@code fasterrcnn_resnet50_fpn_v2} state_dict keys)
 * to one framework's names. One implementation per framework.
 */
public interface NameMapper {
    /** The framework's name for {@code canonical}; throws IllegalArgumentException if it has none. */
    String map(String canonical);

    /** The same tensors under mapped names, in the same order; two names mapping to one is an error. */
    default Map<String, HostTensor> rename(Map<String, HostTensor> canonical) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (var e : canonical.entrySet()) {
            String name = map(e.getKey());
            if (out.put(name, e.getValue()) != null) throw new IllegalStateException("two tensors map to '" + name + "'");
        }
        return out;
    }
}
