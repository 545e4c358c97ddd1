# lit configuration for pcc.
import os
import lit.formats
from lit.llvm import llvm_config

config.name = "pcc"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py",
                   "runtime", "gradients", "lib"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.pcc_obj_root, "test")

llvm_config.with_system_environment(["HOME", "TMPDIR"])
llvm_config.use_default_substitutions()
# lit's defaults bind %python to the interpreter running lit; the tests
# need the one with Debian's torch/onnx/numpy.
config.substitutions = [(k, v) for (k, v) in config.substitutions if k != "%python"]
config.substitutions.append(("%python", config.python))
config.substitutions.append(("%inputs", os.path.join(config.test_source_root, "Inputs")))
llvm_config.add_tool_substitutions(["pcc", "pcc-opt"], [config.pcc_tools_dir])
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
