"""A model from outside mcl for `mcl validate`: torchvision's ResNet-18 exported by torch.onnx
at opset 17 with a dynamic batch dimension.  Usage: export_resnet18_onnx.py OUT.onnx"""
import sys

import torch
import torchvision

model = torchvision.models.resnet18(weights=None).eval()
torch.onnx.export(model, torch.randn(1, 3, 64, 64), sys.argv[1], opset_version=17,
                  input_names=["images"], output_names=["logits"],
                  dynamic_axes={"images": {0: "batch"}, "logits": {0: "batch"}})
print("wrote", sys.argv[1])
