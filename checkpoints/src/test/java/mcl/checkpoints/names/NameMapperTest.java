package mcl.checkpoints.names;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Spot checks of each mapper; the oracles check the full lists against independently written rules. */
class NameMapperTest {
    @ParameterizedTest
    @CsvSource({
        "backbone.body.conv1.weight, backbone.bottom_up.stem.conv1.weight",
        "backbone.body.bn1.running_mean, backbone.bottom_up.stem.conv1.norm.running_mean",
        "backbone.body.layer1.0.downsample.0.weight, backbone.bottom_up.res2.0.shortcut.weight",
        "backbone.body.layer1.0.downsample.1.running_var, backbone.bottom_up.res2.0.shortcut.norm.running_var",
        "backbone.body.layer4.2.bn3.bias, backbone.bottom_up.res5.2.conv3.norm.bias",
        "backbone.body.layer3.5.conv2.weight, backbone.bottom_up.res4.5.conv2.weight",
        "backbone.fpn.inner_blocks.0.0.weight, backbone.fpn_lateral2.weight",
        "backbone.fpn.inner_blocks.3.1.weight, backbone.fpn_lateral5.norm.weight",
        "backbone.fpn.layer_blocks.1.1.running_var, backbone.fpn_output3.norm.running_var",
        "roi_heads.box_head.0.0.weight, roi_heads.box_head.conv1.weight",
        "roi_heads.box_head.3.1.bias, roi_heads.box_head.conv4.norm.bias",
    })
    void detectron2(String canonical, String expected) {
        assertEquals(expected, new Detectron2Names().map(canonical));
    }

    @ParameterizedTest
    @CsvSource({
        "backbone.body.conv1.weight, backbone.conv1.weight",
        "backbone.body.layer2.0.downsample.1.bias, backbone.layer2.0.downsample.1.bias",
        "backbone.fpn.inner_blocks.2.0.weight, neck.lateral_convs.2.conv.weight",
        "backbone.fpn.layer_blocks.0.1.running_mean, neck.fpn_convs.0.bn.running_mean",
        "roi_heads.box_head.1.0.weight, roi_head.bbox_head.shared_convs.1.conv.weight",
        "roi_heads.box_head.2.1.running_var, roi_head.bbox_head.shared_convs.2.bn.running_var",
    })
    void mmdetection(String canonical, String expected) {
        assertEquals(expected, new MmdetNames().map(canonical));
    }

    @ParameterizedTest
    @CsvSource({"projector.0.weight", "predictor.1.0.weight", "roi_heads.box_predictor.cls_score.weight"})
    void trainingOnlyNamesHaveNoPlace(String name) {
        assertThrows(IllegalArgumentException.class, () -> new Detectron2Names().map(name));
        assertThrows(IllegalArgumentException.class, () -> new MmdetNames().map(name));
        assertThrows(IllegalArgumentException.class, () -> TorchvisionNames.CLASSIFICATION.map(name));
        assertEquals("layer1.0.conv1.weight", TorchvisionNames.CLASSIFICATION.map("backbone.body.layer1.0.conv1.weight"));
    }
}
