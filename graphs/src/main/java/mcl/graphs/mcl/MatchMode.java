package mcl.graphs.mcl;

import java.util.ArrayList;
import java.util.List;

/**
 * Which target levels each online level is contrasted with (the paper's Fig. 3 / Tab. 10b).
 * A level with several target levels averages their losses.
 */
public enum MatchMode {
    /** Every level targets the full-size images (level 0): the paper's best and the default. */
    A,
    /** Each level targets the same level of the other view. */
    B,
    /** Each level targets its adjacent levels (l-1 and l+1 where they exist; level 0 alone with L=1). */
    C,
    /** Every level targets every level. */
    D;

    public List<Integer> targets(int level, int levels) {
        List<Integer> t = new ArrayList<>();
        switch (this) {
            case A -> t.add(0);
            case B -> t.add(level);
            case C -> {
                if (level > 0) t.add(level - 1);
                if (level + 1 < levels) t.add(level + 1);
                if (t.isEmpty()) t.add(level);
            }
            case D -> {
                for (int j = 0; j < levels; j++) t.add(j);
            }
        }
        return t;
    }

    /** Whether the target network must embed montage levels beyond level 0. */
    public boolean needsTargetLevels() { return this != A; }

    public static MatchMode parse(String s) {
        for (MatchMode m : values()) {
            if (m.name().equalsIgnoreCase(s)) return m;
        }
        throw new IllegalArgumentException("unknown mode '" + s + "'; valid modes: a, b, c, d");
    }
}
