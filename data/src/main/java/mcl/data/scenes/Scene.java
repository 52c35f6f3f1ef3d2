package mcl.data.scenes;

import mcl.data.RgbImage;

/**
 * One labelled square scene. Maps are row-major, side*side long.
 *
 * @param image       the RGB canvas
 * @param classMap    per pixel the class: 0 = background, 1..K = object class (see {@link LabelledScenes#classNames})
 * @param instanceMap per pixel the instance index 0..n-1, or -1 for background
 * @param boxes       per instance {x0, y0, x1, y1} of its visible pixels, x1/y1 exclusive
 * @param classes     per instance its class, 1..K
 * @param sources     per instance the index of the garment in its split's file (-1 for synthetic shapes);
 *                    exposed so tests and audits can check that splits never mix
 */
public record Scene(RgbImage image, int[] classMap, int[] instanceMap, int[][] boxes, int[] classes, int[] sources) {
    public int side() { return image.width(); }

    public int instances() { return classes.length; }

    /** Finalises a raw rendering: boxes of visible pixels, drops (nearly) hidden instances, renumbers, fills the class map. */
    static Scene annotate(RgbImage image, int[] instanceMap, int[] rawClasses, int[] rawSources, int minVisiblePixels) {
        int side = image.width();
        int n = rawClasses.length;
        int[] area = new int[n];
        int[][] box = new int[n][];
        for (int i = 0; i < n; i++) box[i] = new int[] {side, side, -1, -1};
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                int id = instanceMap[y * side + x];
                if (id < 0) continue;
                area[id]++;
                int[] b = box[id];
                if (x < b[0]) b[0] = x;
                if (y < b[1]) b[1] = y;
                if (x + 1 > b[2]) b[2] = x + 1;
                if (y + 1 > b[3]) b[3] = y + 1;
            }
        }
        int[] remap = new int[n];
        int kept = 0;
        for (int i = 0; i < n; i++) remap[i] = area[i] >= minVisiblePixels ? kept++ : -1;
        int[][] boxes = new int[kept][];
        int[] classes = new int[kept];
        int[] sources = new int[kept];
        for (int i = 0; i < n; i++) {
            if (remap[i] < 0) continue;
            boxes[remap[i]] = box[i];
            classes[remap[i]] = rawClasses[i];
            sources[remap[i]] = rawSources[i];
        }
        int[] classMap = new int[side * side];
        for (int p = 0; p < classMap.length; p++) {
            int id = instanceMap[p];
            if (id < 0) continue;
            id = remap[id];
            instanceMap[p] = id;
            if (id >= 0) classMap[p] = classes[id];
        }
        return new Scene(image, classMap, instanceMap, boxes, classes, sources);
    }
}
