package mcl.runtime.validate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Every finding of one {@code mcl validate} run; passes when no finding failed. */
public final class ValidationReport {
    private final String path;
    private final List<Finding> findings = new ArrayList<>();

    ValidationReport(String path) {
        this.path = path;
    }

    void add(String model, String check, boolean ok, String detail) { findings.add(new Finding(model, check, ok, detail)); }

    void fail(String model, String check, String detail) { add(model, check, false, detail); }

    public List<Finding> findings() { return Collections.unmodifiableList(findings); }

    public List<Finding> failures() { return findings.stream().filter(f -> !f.ok()).toList(); }

    public boolean ok() { return !findings.isEmpty() && failures().isEmpty(); }

    public ObjectNode toJson() {
        ObjectNode root = new ObjectMapper().createObjectNode();
        root.put("path", path);
        root.put("ok", ok());
        ArrayNode checks = root.putArray("checks");
        for (Finding f : findings) {
            checks.addObject().put("model", f.model()).put("check", f.check()).put("ok", f.ok()).put("detail", f.detail());
        }
        return root;
    }
}
