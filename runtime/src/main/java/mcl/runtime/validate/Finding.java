package mcl.runtime.validate;

/**
 * One check's outcome for one model.
 *
 * @param model  the model file (or "manifest.json")
 * @param check  structure | manifest | ort-load | run | gradient
 * @param ok     whether it passed
 * @param detail one line: what was found
 */
public record Finding(String model, String check, boolean ok, String detail) {
    /** "FAIL model check: detail" or "ok model check: detail". */
    public String line() {
        return (ok ? "ok   " : "FAIL ") + model + " " + check + ": " + detail;
    }
}
