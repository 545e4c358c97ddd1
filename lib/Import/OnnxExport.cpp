//===- OnnxExport.cpp - an ONNX graph with a checkpoint's values ----------===//
//
// `pcc model.onnx --emit=onnx --checkpoint=FILE`: every parameter and state
// of the checkpoint (written by pcc_save_checkpoint) replaces the
// initializer of its name. A parameter pcc untied from an Identity alias of
// an initializer becomes an initializer of its own, the Identity removed.
//
//===----------------------------------------------------------------------===//
#include "pcc/Import/OnnxImporter.h"

#include "../Runtime/Checkpoint.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <cstring>
#include <fstream>
#include <map>
#include <vector>

namespace {

struct CheckpointReader {
  std::ifstream in;
  bool ok = true;
  template <typename T> T read() {
    T v{};
    ok = ok && in.read(reinterpret_cast<char *>(&v), sizeof v).good();
    return v;
  }
  std::vector<float> floats(int64_t n) {
    std::vector<float> v(ok && n >= 0 && n < (int64_t(1) << 40) ? n : 0);
    ok = ok && n >= 0 && v.size() == size_t(n) &&
         in.read(reinterpret_cast<char *>(v.data()), n * sizeof(float)).good();
    return v;
  }
  std::string name() {
    int64_t n = read<int64_t>();
    std::string s(ok && n >= 0 && n < 65536 ? n : 0, '\0');
    ok = ok && n >= 0 && n < 65536 && in.read(s.data(), n).good();
    return s;
  }
};

/// name -> values of every parameter and state in the checkpoint.
bool readCheckpoint(
    const std::string &path,
    std::vector<std::pair<std::string, std::vector<float>>> &out,
    std::string &error) {
  CheckpointReader r{std::ifstream(path, std::ios::binary)};
  if (!r.in) {
    error = "cannot read checkpoint '" + path + "'";
    return false;
  }
  char magic[PCC_CHECKPOINT_MAGIC_SIZE];
  r.ok = r.in.read(magic, sizeof magic).good() &&
         std::memcmp(magic, PCC_CHECKPOINT_MAGIC, sizeof magic) == 0;
  if (!r.ok) {
    error = "'" + path + "' is not a pcc checkpoint";
    return false;
  }
  int64_t adam = r.read<int64_t>();
  r.read<int64_t>(); // the optimizer step
  int64_t numParams = r.read<int64_t>(), numStates = r.read<int64_t>();
  for (int64_t i = 0; r.ok && i < numParams + numStates; ++i) {
    std::string name = r.name();
    int64_t size = r.read<int64_t>();
    out.emplace_back(name, r.floats(size));
    if (i < numParams && adam)
      r.floats(2 * size); // Adam's moments
  }
  if (!r.ok) {
    error = "checkpoint '" + path + "' is truncated or corrupt";
    return false;
  }
  return true;
}

int64_t elements(const onnx::TensorProto &t) {
  int64_t n = 1;
  for (int64_t d : t.dims())
    n *= d;
  return n;
}

void setFloats(onnx::TensorProto &t, const std::vector<float> &values) {
  t.clear_float_data();
  t.clear_raw_data();
  t.clear_data_location();
  t.clear_external_data();
  t.set_data_type(onnx::TensorProto::FLOAT);
  t.set_raw_data(std::string(reinterpret_cast<const char *>(values.data()),
                             values.size() * sizeof(float)));
}

} // namespace

int pcc::exportOnnxWithCheckpoint(const std::string &onnxPath,
                                  const std::optional<std::string> &onnxData,
                                  const std::string &checkpointPath,
                                  const std::string &outPath,
                                  std::string &error) {
  std::vector<std::pair<std::string, std::vector<float>>> values;
  if (!readCheckpoint(checkpointPath, values, error))
    return 1;
  onnx::ModelProto model;
  bool parsed;
  if (onnxData) {
    parsed = model.ParseFromString(*onnxData);
  } else {
    std::ifstream in(onnxPath, std::ios::binary);
    parsed = in && model.ParseFromIstream(&in);
  }
  if (!parsed) {
    error = "cannot read the ONNX model '" + onnxPath + "'";
    return 1;
  }
  onnx::GraphProto *graph = model.mutable_graph();
  std::map<std::string, onnx::TensorProto *> initializers;
  for (onnx::TensorProto &t : *graph->mutable_initializer())
    initializers[t.name()] = &t;
  for (const auto &[name, data] : values) {
    auto it = initializers.find(name);
    if (it != initializers.end()) {
      if (elements(*it->second) != int64_t(data.size())) {
        error = "checkpoint '" + checkpointPath + "' does not fit '" +
                onnxPath + "': initializer '" + name + "' has " +
                std::to_string(elements(*it->second)) +
                " elements, the "
                "checkpoint " +
                std::to_string(data.size());
        return 1;
      }
      setFloats(*it->second, data);
      continue;
    }
    // An untied alias: Identity(initializer) -> name.
    auto *nodes = graph->mutable_node();
    auto alias = std::find_if(nodes->begin(), nodes->end(), [&](auto &n) {
      return n.op_type() == "Identity" && n.output_size() == 1 &&
             n.output(0) == name && n.input_size() == 1 &&
             initializers.count(n.input(0));
    });
    if (alias == nodes->end()) {
      error = "checkpoint '" + checkpointPath + "' does not fit '" + onnxPath +
              "': '" + name +
              "' is neither an initializer nor an Identity "
              "alias of one";
      return 1;
    }
    onnx::TensorProto source = *initializers[alias->input(0)];
    if (elements(source) != int64_t(data.size())) {
      error = "checkpoint '" + checkpointPath + "' does not fit '" + onnxPath +
              "': '" + name + "' has " + std::to_string(data.size()) +
              " elements, its initializer " + std::to_string(elements(source));
      return 1;
    }
    nodes->erase(alias);
    onnx::TensorProto *t = graph->add_initializer();
    *t = source;
    t->set_name(name);
    setFloats(*t, data);
  }
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception &e) {
    error =
        std::string("the exported graph fails the ONNX checker: ") + e.what();
    return 1;
  }
  std::string tmp = outPath + ".pcc-tmp";
  {
    std::ofstream out(tmp, std::ios::binary);
    if (!out || !model.SerializeToOstream(&out) || !out.flush()) {
      std::remove(tmp.c_str());
      error = "cannot write '" + outPath + "'";
      return 1;
    }
  }
  if (std::rename(tmp.c_str(), outPath.c_str()) != 0) {
    std::remove(tmp.c_str());
    error = "cannot write '" + outPath + "'";
    return 1;
  }
  return 0;
}
