package mcl.runtime.train;

import mcl.graph.init.Init;

/** Turns a manifest's init description (what {@link Init#describe()} wrote) back into the {@link Init}. */
final class InitSpec {
    private InitSpec() { }

    static Init parse(String d, String param) {
        String s = d.replace(" ", "");
        switch (s) {
            case "kaiming_normal(fan_out,relu)": return new Init.KaimingNormalFanOut();
            case "kaiming_normal(fan_in,relu)": return new Init.KaimingNormalFanIn();
            case "xavier_uniform": return new Init.XavierUniform();
            case "zeros": return Init.ZEROS;
            case "ones": return Init.ONES;
            default:
        }
        try {
            if (s.startsWith("normal(0,") && s.endsWith(")")) return new Init.Normal(Double.parseDouble(s.substring(9, s.length() - 1)));
            if (s.startsWith("constant(") && s.endsWith(")")) return new Init.Constant(Float.parseFloat(s.substring(9, s.length() - 1)));
        } catch (NumberFormatException e) {
            // fall through to the error below
        }
        throw new IllegalArgumentException("manifest.json: parameter " + param + " has an init this trainer does not know: '" + d + "'");
    }
}
