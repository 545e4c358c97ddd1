//===- PccModule.cpp - pcc._pcc: the compiler and model libraries ---------===//
//
// A thin layer: `compile` runs pcc's compiler in this process (the same
// options and messages as the driver), and `Library`/`Model` call a model
// library's C ABI (pcc.h) through dlopen. Checking inputs against the
// signature and the dict-shaped API live in the pure-Python package.
//
//===----------------------------------------------------------------------===//
#include "pcc/Target/Compiler.h"
#include "pcc/pcc.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <dlfcn.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace py = pybind11;

namespace {

/// An error from pcc (compiler or library), raised as pcc.Error.
struct PccError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string
compile(const std::string &input, const std::string &output,
        const std::vector<std::pair<std::string, std::string>> &flags,
        const std::string &runtimeDir, std::optional<py::bytes> data) {
  pcc::CompileOptions o;
  o.input = input;
  if (data)
    o.inputData = std::string(*data);
  o.output = output;
  o.runtimeDir = runtimeDir;
  std::string error;
  for (const auto &[flag, value] : flags)
    if (pcc::setFlag(o, flag, value, error))
      throw py::value_error(error);
  int rc;
  {
    py::gil_scoped_release release;
    rc = pcc::compile(o, error);
  }
  if (rc)
    throw PccError(error);
  return o.output;
}

/// The functions of one loaded model library.
struct Library {
  void *handle = nullptr;
  std::string path, prefix;
#define PCC_ABI_FUNCTIONS(X)                                                   \
  X(signature)                                                                 \
  X(create)                                                                    \
  X(destroy)                                                                   \
  X(predict) X(train_step) X(compute_gradients) X(num_params) X(param_name)    \
      X(param_rank) X(param_shape) X(param_data) X(param_grad) X(num_states)   \
          X(state_name) X(state_rank) X(state_shape) X(state_data)             \
              X(set_hyperparameter) X(last_error) X(apply_gradients)           \
                  X(optimizer_step) X(set_optimizer_step) X(optimizer_state)   \
                      X(save_checkpoint) X(load_checkpoint) X(infer)           \
                          X(train_query) X(num_hidden) X(hidden_name)          \
                              X(hidden_rank) X(hidden_shape)
#define PCC_DECLARE(name) decltype(&::pcc_##name) name = nullptr;
  PCC_ABI_FUNCTIONS(PCC_DECLARE)
#undef PCC_DECLARE

  Library(const std::string &path, const std::string &prefix)
      : path(path), prefix(prefix) {
    handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char *e = dlerror();
      throw PccError("cannot load '" + path +
                     "': " + (e ? e : "dlopen failed"));
    }
    std::string missing;
#define PCC_BIND(name)                                                         \
  name = reinterpret_cast<decltype(name)>(                                     \
      dlsym(handle, (prefix + "_" #name).c_str()));                            \
  if (!name)                                                                   \
    missing += (missing.empty() ? "" : ", ") + prefix + "_" #name;
    PCC_ABI_FUNCTIONS(PCC_BIND)
#undef PCC_BIND
    if (!missing.empty()) {
      dlclose(handle);
      handle = nullptr;
      throw PccError("'" + path + "' is not a pcc model library with prefix '" +
                     prefix + "' (missing " + missing +
                     "; built by an older pcc, or another --prefix?)");
    }
  }
  ~Library() {
    if (handle)
      dlclose(handle);
  }
  Library(const Library &) = delete;
  Library &operator=(const Library &) = delete;
};

std::vector<py::ssize_t> shapeOf(int64_t rank, const int64_t *dims) {
  return std::vector<py::ssize_t>(dims, dims + (rank > 0 ? rank : 0));
}

const float *floatData(const py::array &a, const std::string &what) {
  if (!a.dtype().is(py::dtype::of<float>()) ||
      !(a.flags() & py::array::c_style))
    throw py::type_error(what + " must be a C-contiguous float32 array");
  return static_cast<const float *>(a.data());
}

/// One model instance of a library. Parameter and optimizer-state arrays
/// are views into the model (they keep it alive); everything else copies.
class Model {
public:
  explicit Model(std::shared_ptr<Library> lib) : lib(std::move(lib)) {
    m = this->lib->create();
    if (!m)
      throw PccError("creating a model of '" + this->lib->path +
                     "' failed (out of memory)");
  }
  ~Model() { lib->destroy(m); }
  Model(const Model &) = delete;
  Model &operator=(const Model &) = delete;

  void check(int rc) {
    if (rc)
      throw PccError(lib->last_error(m));
  }

  void predict(const std::vector<py::array> &inputs, py::array &output) {
    std::vector<const float *> ptrs = pointers(inputs);
    float *out = const_cast<float *>(floatData(output, "output"));
    int rc;
    {
      py::gil_scoped_release release;
      rc = lib->predict(m, ptrs.data(), out);
    }
    check(rc);
  }

  py::tuple train(const std::vector<py::array> &inputs, const py::array &target,
                  bool update) {
    std::vector<const float *> ptrs = pointers(inputs);
    const float *t = floatData(target, "target");
    pcc_step_stats stats{};
    int rc;
    {
      py::gil_scoped_release release;
      rc = update ? lib->train_step(m, ptrs.data(), t, &stats)
                  : lib->compute_gradients(m, ptrs.data(), t, &stats);
    }
    check(rc);
    return py::make_tuple(stats.loss, stats.energy, stats.steps);
  }

  /// A query (pcc_infer, or pcc_train_query when `update`): masks and
  /// targets may be None; relaxed inputs and the output are written into
  /// the given arrays. Returns (loss, energy, steps).
  py::tuple query(const std::vector<py::array> &inputs,
                  const std::vector<py::object> &freeInputs,
                  const py::object &target, const py::object &targetMask,
                  const std::vector<std::string> &clampNames,
                  const std::vector<py::array> &clampValues,
                  const std::vector<py::object> &clampMasks, int64_t steps,
                  double rate, double momentum, bool update,
                  std::vector<py::array> &relaxed, py::array &output) {
    if (clampNames.size() != clampValues.size() ||
        clampNames.size() != clampMasks.size())
      throw py::value_error("clamp names, values and masks differ in number");
    std::vector<const float *> in = pointers(inputs);
    auto optional = [](const py::object &o, const std::string &what) {
      return o.is_none() ? nullptr : floatData(o.cast<py::array>(), what);
    };
    std::vector<const float *> freePtrs, values, masks;
    for (size_t i = 0; i < freeInputs.size(); ++i)
      freePtrs.push_back(
          optional(freeInputs[i], "free mask " + std::to_string(i)));
    std::vector<const char *> names;
    for (size_t i = 0; i < clampNames.size(); ++i) {
      names.push_back(clampNames[i].c_str());
      values.push_back(floatData(clampValues[i], "clamp " + clampNames[i]));
      masks.push_back(optional(clampMasks[i], "clamp mask " + clampNames[i]));
    }
    std::vector<float *> relaxedPtrs;
    for (py::array &r : relaxed)
      relaxedPtrs.push_back(const_cast<float *>(floatData(r, "relaxed input")));
    float *out = const_cast<float *>(floatData(output, "output"));
    pcc_query q{};
    q.inputs = in.data();
    q.free_inputs = freePtrs.empty() ? nullptr : freePtrs.data();
    q.target = optional(target, "target");
    q.target_mask = optional(targetMask, "target_mask");
    q.num_clamps = static_cast<int64_t>(names.size());
    q.clamp_names = names.data();
    q.clamp_values = values.data();
    q.clamp_masks = masks.data();
    q.steps = steps;
    q.rate = rate;
    q.momentum = momentum;
    pcc_step_stats stats{};
    int rc;
    {
      py::gil_scoped_release release;
      rc = (update ? lib->train_query : lib->infer)(m, &q, relaxedPtrs.data(),
                                                    out, &stats);
    }
    check(rc);
    return py::make_tuple(stats.loss, stats.energy, stats.steps);
  }

  /// grads: one array (None for a frozen parameter) per parameter, or None
  /// for the gradient the last train or compute call left.
  void applyGradients(const std::optional<std::vector<py::object>> &grads) {
    std::vector<const float *> ptrs;
    if (grads)
      for (const py::object &g : *grads)
        ptrs.push_back(
            g.is_none() ? nullptr : floatData(g.cast<py::array>(), "gradient"));
    int rc;
    {
      py::gil_scoped_release release;
      rc = lib->apply_gradients(m, grads ? ptrs.data() : nullptr);
    }
    check(rc);
  }

  py::array param(py::object self, int64_t i) {
    return view(self, lib->param_data(m, i), lib->param_rank(i),
                lib->param_shape(i));
  }
  py::array grad(int64_t i) {
    py::array g = view(py::none(), lib->param_grad(m, i), lib->param_rank(i),
                       lib->param_shape(i));
    return g.attr("copy")();
  }
  // States are swapped with the next state by every train step: copy.
  py::array state(int64_t i) {
    py::array s = view(py::none(), lib->state_data(m, i), lib->state_rank(i),
                       lib->state_shape(i));
    return s.attr("copy")();
  }
  void setState(int64_t i, const py::array &value) {
    float *dst = lib->state_data(m, i);
    if (!dst)
      throw py::index_error("no state " + std::to_string(i));
    const float *src = floatData(value, "state");
    int64_t size = 1;
    for (int64_t d = 0; d < lib->state_rank(i); ++d)
      size *= lib->state_shape(i)[d];
    if (value.size() != size)
      throw py::value_error("state " + std::string(lib->state_name(i)) +
                            " has " + std::to_string(size) + " elements, got " +
                            std::to_string(value.size()));
    std::copy(src, src + value.size(), dst);
  }
  py::object optimizerState(py::object self, int64_t i, int64_t which) {
    float *p = lib->optimizer_state(m, i, which);
    if (!p)
      return py::none();
    return view(self, p, lib->param_rank(i), lib->param_shape(i));
  }
  void saveCheckpoint(const std::string &path) {
    check(lib->save_checkpoint(m, path.c_str()));
  }
  void loadCheckpoint(const std::string &path) {
    check(lib->load_checkpoint(m, path.c_str()));
  }
  int64_t optimizerStep() { return lib->optimizer_step(m); }
  void setOptimizerStep(int64_t step) {
    check(lib->set_optimizer_step(m, step));
  }
  void setHyperparameter(const std::string &name, double value) {
    check(lib->set_hyperparameter(m, name.c_str(), value));
  }

private:
  std::vector<const float *> pointers(const std::vector<py::array> &inputs) {
    std::vector<const float *> ptrs;
    for (size_t i = 0; i < inputs.size(); ++i)
      ptrs.push_back(floatData(inputs[i], "input " + std::to_string(i)));
    return ptrs;
  }
  py::array view(py::object base, const float *data, int64_t rank,
                 const int64_t *shape) {
    if (!data || rank < 0)
      throw py::index_error("index out of range");
    return py::array_t<float>(shapeOf(rank, shape), data, base);
  }

  std::shared_ptr<Library> lib;
  pcc_model *m = nullptr;
};

} // namespace

PYBIND11_MODULE(_pcc, mod) {
  mod.doc() = "pcc's compiler and model libraries (use the pcc package)";
  py::register_exception<PccError>(mod, "Error", PyExc_RuntimeError);

  mod.def("compile", &compile, py::arg("input"), py::arg("output"),
          py::arg("flags"), py::arg("runtime_dir"),
          py::arg("data") = py::none(),
          "Compile an ONNX model (the file `input`, or the bytes `data`, "
          "which `input` then names); flags are (driver flag, value) pairs. "
          "Returns the output path.");
  std::vector<std::string> flags;
  for (const char *const *f = pcc::kCompileFlags; *f; ++f)
    flags.push_back(*f);
  mod.attr("compile_flags") = flags;

  py::class_<Library, std::shared_ptr<Library>>(mod, "Library")
      .def(py::init<const std::string &, const std::string &>(),
           py::arg("path"), py::arg("prefix"))
      .def_readonly("path", &Library::path)
      .def_readonly("prefix", &Library::prefix)
      .def("signature", [](Library &l) { return std::string(l.signature()); })
      .def("num_params", [](Library &l) { return l.num_params(); })
      .def("param_name",
           [](Library &l, int64_t i) {
             const char *n = l.param_name(i);
             if (!n)
               throw py::index_error("no parameter " + std::to_string(i));
             return std::string(n);
           })
      .def("num_states", [](Library &l) { return l.num_states(); })
      .def("state_name", [](Library &l, int64_t i) {
        const char *n = l.state_name(i);
        if (!n)
          throw py::index_error("no state " + std::to_string(i));
        return std::string(n);
      });

  py::class_<Model>(mod, "Model")
      .def(py::init<std::shared_ptr<Library>>(), py::arg("library"))
      .def("predict", &Model::predict, py::arg("inputs"), py::arg("output"))
      .def("train", &Model::train, py::arg("inputs"), py::arg("target"),
           py::arg("update"))
      .def("query", &Model::query, py::arg("inputs"), py::arg("free_inputs"),
           py::arg("target"), py::arg("target_mask"), py::arg("clamp_names"),
           py::arg("clamp_values"), py::arg("clamp_masks"), py::arg("steps"),
           py::arg("rate"), py::arg("momentum"), py::arg("update"),
           py::arg("relaxed"), py::arg("output"))
      .def("apply_gradients", &Model::applyGradients, py::arg("grads"))
      .def("param",
           [](py::object self, int64_t i) {
             return self.cast<Model &>().param(self, i);
           })
      .def("grad", &Model::grad)
      .def("state", &Model::state)
      .def("set_state", &Model::setState)
      .def("optimizer_state",
           [](py::object self, int64_t i, int64_t which) {
             return self.cast<Model &>().optimizerState(self, i, which);
           })
      .def("save_checkpoint", &Model::saveCheckpoint)
      .def("load_checkpoint", &Model::loadCheckpoint)
      .def("optimizer_step", &Model::optimizerStep)
      .def("set_optimizer_step", &Model::setOptimizerStep)
      .def("set_hyperparameter", &Model::setHyperparameter);
}
