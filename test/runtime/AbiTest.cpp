//===- AbiTest.cpp - tests of the C ABI of an emitted pcc library ---------===//
//
// Loads libraries that pcc emitted for a tiny model (make_tiny_model.py:
// x[4,3] -> Linear(3,5) -> ReLU -> Linear(5,2) -> y[4,2]) with dlopen and
// checks every function of include/pcc/pcc.h against the reference that
// make_tiny_model.py wrote (tiny.json: initializers, forward output, MSE loss
// and torch gradients for a fixed input and target).
//
//   PCC_TEST_TINY_IL_SO     pcc tiny.onnx --algorithm=il --loss=mse
//   PCC_TEST_TINY_PREFIX_SO pcc tiny.onnx --algorithm=bp --loss=mse --prefix=tiny
//   PCC_TEST_TINY_JSON      the reference
//
// ABI conventions this test pins down beyond what pcc.h states (keep the
// emitter and this list in sync):
//  * `stats` may be NULL for pcc_train_step and pcc_compute_gradients: it is
//    an optional out-parameter; the call still succeeds and does its work.
//  * A NULL model, a NULL `inputs` array, a NULL entry inside `inputs`, a
//    NULL `output` or a NULL `target` make the call return non-zero without
//    touching the parameters; pcc_last_error(m) (m non-NULL) is then a
//    non-empty message. pcc_last_error(NULL) never returns NULL.
//  * Out-of-range parameter indices (negative or >= num_params) give NULL
//    from pcc_param_name/_shape/_data/_grad and -1 from pcc_param_rank;
//    pcc_param_data/_grad with a NULL model give NULL.
//  * pcc_param_data points at the model's live parameters: writes through it
//    are seen by the next predict/train_step.
//  * pcc_set_hyperparameter: unknown names fail and the message names them;
//    learning_rate must be finite and >= 0 (0 is allowed and makes
//    train_step leave the parameters bit-for-bit unchanged, with Adam too);
//    inference_rate must be finite and > 0; inference_steps must be a finite
//    integer >= 1. A rejected value leaves the previous value in place.
//  * stats->steps is the number of inference steps run (the inference_steps
//    hyperparameter; 20 by default for the il library); stats->loss is the
//    loss at the forward pass, i.e. before this step's update; stats->energy
//    is finite and, for il, not above stats->loss (relaxation starts from the
//    forward pass, where F == L, and descends F).
//  * pcc_compute_gradients changes nothing but the gradient buffers: the
//    parameters, the optimizer state and the hyperparameters are unchanged, so
//    calling it twice gives identical gradients.
//  * pcc_signature is valid JSON (an object) that contains the algorithm name
//    as a string ("il", "bp"), every parameter name, and "learning_rate".
//
//===----------------------------------------------------------------------===//

#include "pcc/pcc.h"

#include <gtest/gtest.h>

#include <dlfcn.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#ifndef PCC_TEST_TINY_IL_SO
#define PCC_TEST_TINY_IL_SO "tiny_il.so"
#endif
#ifndef PCC_TEST_TINY_PREFIX_SO
#define PCC_TEST_TINY_PREFIX_SO "tiny_p.so"
#endif
#ifndef PCC_TEST_TINY_FROZEN_SO
#define PCC_TEST_TINY_FROZEN_SO "tiny_frozen.so"
#endif
#ifndef PCC_TEST_TINY_JSON
#define PCC_TEST_TINY_JSON "tiny.json"
#endif

namespace {

//===----------------------------------------------------------------------===//
// A small strict JSON reader (for tiny.json and for checking pcc_signature).
//===----------------------------------------------------------------------===//

struct Json {
  enum Kind { Null, Bool, Number, String, Array, Object } kind = Null;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<Json> array;
  std::vector<std::pair<std::string, Json>> object;

  const Json &operator[](const std::string &key) const {
    for (const auto &kv : object)
      if (kv.first == key)
        return kv.second;
    throw std::runtime_error("json: no key '" + key + "'");
  }
  const Json &operator[](size_t i) const {
    if (kind != Array || i >= array.size())
      throw std::runtime_error("json: bad array index");
    return array[i];
  }
  std::vector<double> numbers() const {
    std::vector<double> out;
    for (const Json &j : array) {
      if (j.kind != Number)
        throw std::runtime_error("json: expected a number");
      out.push_back(j.number);
    }
    return out;
  }
};

class JsonParser {
public:
  explicit JsonParser(const std::string &text) : s(text) {}

  Json parseDocument() {
    Json v = parseValue();
    skipSpace();
    if (pos != s.size())
      fail("trailing characters");
    return v;
  }

private:
  const std::string &s;
  size_t pos = 0;

  [[noreturn]] void fail(const std::string &what) {
    throw std::runtime_error("json: " + what + " at offset " +
                             std::to_string(pos));
  }
  void skipSpace() {
    while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\t' ||
                              s[pos] == '\n' || s[pos] == '\r'))
      ++pos;
  }
  bool consume(const char *lit) {
    size_t n = std::strlen(lit);
    if (s.compare(pos, n, lit) != 0)
      return false;
    pos += n;
    return true;
  }
  Json parseValue() {
    skipSpace();
    if (pos >= s.size())
      fail("unexpected end");
    Json v;
    char c = s[pos];
    if (c == '{') {
      v.kind = Json::Object;
      ++pos;
      skipSpace();
      if (pos < s.size() && s[pos] == '}') {
        ++pos;
        return v;
      }
      while (true) {
        skipSpace();
        if (pos >= s.size() || s[pos] != '"')
          fail("expected a key");
        std::string key = parseString();
        skipSpace();
        if (pos >= s.size() || s[pos] != ':')
          fail("expected ':'");
        ++pos;
        v.object.emplace_back(key, parseValue());
        skipSpace();
        if (pos < s.size() && s[pos] == ',') {
          ++pos;
          continue;
        }
        if (pos < s.size() && s[pos] == '}') {
          ++pos;
          return v;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c == '[') {
      v.kind = Json::Array;
      ++pos;
      skipSpace();
      if (pos < s.size() && s[pos] == ']') {
        ++pos;
        return v;
      }
      while (true) {
        v.array.push_back(parseValue());
        skipSpace();
        if (pos < s.size() && s[pos] == ',') {
          ++pos;
          continue;
        }
        if (pos < s.size() && s[pos] == ']') {
          ++pos;
          return v;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c == '"') {
      v.kind = Json::String;
      v.string = parseString();
      return v;
    }
    if (consume("true")) {
      v.kind = Json::Bool;
      v.boolean = true;
      return v;
    }
    if (consume("false")) {
      v.kind = Json::Bool;
      return v;
    }
    if (consume("null"))
      return v;
    return parseNumber();
  }
  std::string parseString() {
    ++pos; // opening quote
    std::string out;
    while (true) {
      if (pos >= s.size())
        fail("unterminated string");
      char c = s[pos++];
      if (c == '"')
        return out;
      if (static_cast<unsigned char>(c) < 0x20)
        fail("control character in string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos >= s.size())
        fail("bad escape");
      char e = s[pos++];
      switch (e) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        if (pos + 4 > s.size())
          fail("bad \\u escape");
        for (int i = 0; i < 4; ++i)
          if (!std::isxdigit(static_cast<unsigned char>(s[pos + i])))
            fail("bad \\u escape");
        unsigned cp = std::stoul(s.substr(pos, 4), nullptr, 16);
        pos += 4;
        out += cp < 0x80 ? static_cast<char>(cp) : '?';
        break;
      }
      default:
        fail("bad escape");
      }
    }
  }
  Json parseNumber() {
    size_t start = pos;
    if (pos < s.size() && s[pos] == '-')
      ++pos;
    auto digits = [&] {
      size_t d = pos;
      while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos])))
        ++pos;
      return pos - d;
    };
    if (digits() == 0)
      fail("bad value");
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      if (digits() == 0)
        fail("bad number");
    }
    if (pos < s.size() && (s[pos] == 'e' || s[pos] == 'E')) {
      ++pos;
      if (pos < s.size() && (s[pos] == '+' || s[pos] == '-'))
        ++pos;
      if (digits() == 0)
        fail("bad number");
    }
    Json v;
    v.kind = Json::Number;
    v.number = std::strtod(s.substr(start, pos - start).c_str(), nullptr);
    return v;
  }
};

Json parseJson(const std::string &text) {
  return JsonParser(text).parseDocument();
}

//===----------------------------------------------------------------------===//
// The reference written by make_tiny_model.py.
//===----------------------------------------------------------------------===//

struct Param {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> data;
  std::vector<float> grad; // torch .grad of the MSE loss at input/target
  size_t size() const { return data.size(); }
};

struct Reference {
  bool ok = false;
  std::string error;
  std::vector<Param> params;
  std::vector<float> input, forward, target;
  double mseLoss = 0;
};

std::vector<float> toFloats(const std::vector<double> &v) {
  return std::vector<float>(v.begin(), v.end());
}

const Reference &ref() {
  static const Reference r = [] {
    Reference r;
    try {
      std::ifstream in(PCC_TEST_TINY_JSON);
      if (!in)
        throw std::runtime_error("cannot open " PCC_TEST_TINY_JSON);
      std::stringstream ss;
      ss << in.rdbuf();
      Json j = parseJson(ss.str());
      for (const Json &p : j["params"].array) {
        Param q;
        q.name = p["name"].string;
        for (double d : p["shape"].numbers())
          q.shape.push_back(static_cast<int64_t>(d));
        q.data = toFloats(p["data"].numbers());
        r.params.push_back(q);
      }
      const Json &grads = j["grads"];
      if (grads.array.size() != r.params.size())
        throw std::runtime_error("grads and params differ in length");
      for (size_t i = 0; i < r.params.size(); ++i)
        r.params[i].grad = toFloats(grads[i].numbers());
      r.input = toFloats(j["input"].numbers());
      r.forward = toFloats(j["forward"].numbers());
      r.target = toFloats(j["target"].numbers());
      r.mseLoss = j["mse_loss"].number;
      if (r.input.size() != 12 || r.forward.size() != 8 ||
          r.target.size() != 8 || r.params.empty())
        throw std::runtime_error("unexpected sizes in " PCC_TEST_TINY_JSON);
      r.ok = true;
    } catch (const std::exception &e) {
      r.error = e.what();
    }
    return r;
  }();
  return r;
}

//===----------------------------------------------------------------------===//
// The ABI, resolved with dlsym.
//===----------------------------------------------------------------------===//

// Every function of pcc.h, without its prefix.
const char *const kAbiNames[] = {
    "signature",  "create",          "destroy",          "predict",
    "train_step", "compute_gradients", "num_params",     "param_name",
    "param_rank", "param_shape",     "param_data",       "param_grad",
    "num_states", "state_name",      "state_rank",       "state_shape",
    "state_data", "set_hyperparameter", "last_error", "apply_gradients",
    "optimizer_step", "set_optimizer_step", "optimizer_state",
    "save_checkpoint", "load_checkpoint"};

struct Abi {
  bool ok = false;
  std::string error;
  void *handle = nullptr;
  std::string prefix;

  decltype(&::pcc_signature) signature = nullptr;
  decltype(&::pcc_create) create = nullptr;
  decltype(&::pcc_destroy) destroy = nullptr;
  decltype(&::pcc_predict) predict = nullptr;
  decltype(&::pcc_train_step) train_step = nullptr;
  decltype(&::pcc_compute_gradients) compute_gradients = nullptr;
  decltype(&::pcc_num_params) num_params = nullptr;
  decltype(&::pcc_param_name) param_name = nullptr;
  decltype(&::pcc_param_rank) param_rank = nullptr;
  decltype(&::pcc_param_shape) param_shape = nullptr;
  decltype(&::pcc_param_data) param_data = nullptr;
  decltype(&::pcc_param_grad) param_grad = nullptr;
  decltype(&::pcc_num_states) num_states = nullptr;
  decltype(&::pcc_state_name) state_name = nullptr;
  decltype(&::pcc_state_rank) state_rank = nullptr;
  decltype(&::pcc_state_shape) state_shape = nullptr;
  decltype(&::pcc_state_data) state_data = nullptr;
  decltype(&::pcc_set_hyperparameter) set_hyperparameter = nullptr;
  decltype(&::pcc_last_error) last_error = nullptr;
  decltype(&::pcc_apply_gradients) apply_gradients = nullptr;
  decltype(&::pcc_optimizer_step) optimizer_step = nullptr;
  decltype(&::pcc_set_optimizer_step) set_optimizer_step = nullptr;
  decltype(&::pcc_optimizer_state) optimizer_state = nullptr;
  decltype(&::pcc_save_checkpoint) save_checkpoint = nullptr;
  decltype(&::pcc_load_checkpoint) load_checkpoint = nullptr;

  void *sym(const std::string &name) const {
    return handle ? dlsym(handle, name.c_str()) : nullptr;
  }
};

template <typename F> void bind(Abi &abi, F &fn, const char *name) {
  std::string full = abi.prefix + "_" + name;
  void *p = abi.sym(full);
  if (!p) {
    abi.error += (abi.error.empty() ? "missing symbol(s): " : ", ") + full;
    return;
  }
  fn = reinterpret_cast<F>(p);
}

Abi load(const char *path, const std::string &prefix) {
  Abi abi;
  abi.prefix = prefix;
  dlerror();
  abi.handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!abi.handle) {
    const char *e = dlerror();
    abi.error = std::string("dlopen(") + path + ") failed: " + (e ? e : "?");
    return abi;
  }
  bind(abi, abi.signature, "signature");
  bind(abi, abi.create, "create");
  bind(abi, abi.destroy, "destroy");
  bind(abi, abi.predict, "predict");
  bind(abi, abi.train_step, "train_step");
  bind(abi, abi.compute_gradients, "compute_gradients");
  bind(abi, abi.num_params, "num_params");
  bind(abi, abi.param_name, "param_name");
  bind(abi, abi.param_rank, "param_rank");
  bind(abi, abi.param_shape, "param_shape");
  bind(abi, abi.param_data, "param_data");
  bind(abi, abi.param_grad, "param_grad");
  bind(abi, abi.num_states, "num_states");
  bind(abi, abi.state_name, "state_name");
  bind(abi, abi.state_rank, "state_rank");
  bind(abi, abi.state_shape, "state_shape");
  bind(abi, abi.state_data, "state_data");
  bind(abi, abi.set_hyperparameter, "set_hyperparameter");
  bind(abi, abi.last_error, "last_error");
  bind(abi, abi.apply_gradients, "apply_gradients");
  bind(abi, abi.optimizer_step, "optimizer_step");
  bind(abi, abi.set_optimizer_step, "set_optimizer_step");
  bind(abi, abi.optimizer_state, "optimizer_state");
  bind(abi, abi.save_checkpoint, "save_checkpoint");
  bind(abi, abi.load_checkpoint, "load_checkpoint");
  abi.ok = abi.error.empty();
  return abi;
}

// The libraries stay loaded for the whole test program.
const Abi &il() {
  static const Abi abi = load(PCC_TEST_TINY_IL_SO, "pcc");
  return abi;
}
const Abi &prefixed() {
  static const Abi abi = load(PCC_TEST_TINY_PREFIX_SO, "tiny");
  return abi;
}
const Abi &frozen() {
  static const Abi abi = load(PCC_TEST_TINY_FROZEN_SO, "pcc");
  return abi;
}

#define REQUIRE_ABI(abi)                                                       \
  do {                                                                         \
    ASSERT_TRUE(ref().ok) << ref().error;                                      \
    ASSERT_TRUE((abi).ok) << (abi).error;                                      \
  } while (0)

// Owns one model.
class Model {
public:
  explicit Model(const Abi &abi) : abi(abi), m(abi.create()) {}
  ~Model() { abi.destroy(m); }
  Model(const Model &) = delete;
  Model &operator=(const Model &) = delete;
  pcc_model *get() const { return m; }
  operator pcc_model *() const { return m; }

private:
  const Abi &abi;
  pcc_model *m;
};

std::string lastError(const Abi &abi, pcc_model *m) {
  const char *e = abi.last_error(m);
  return e ? std::string(e) : std::string();
}

// A snapshot of all parameters of a model, in ABI order.
std::vector<std::vector<float>> params(const Abi &abi, pcc_model *m) {
  std::vector<std::vector<float>> out;
  for (int64_t i = 0; i < abi.num_params(); ++i) {
    const float *p = abi.param_data(m, i);
    size_t n = ref().params.at(i).size();
    out.emplace_back(p, p + (p ? n : 0));
  }
  return out;
}

std::vector<std::vector<float>> grads(const Abi &abi, pcc_model *m) {
  std::vector<std::vector<float>> out;
  for (int64_t i = 0; i < abi.num_params(); ++i) {
    const float *p = abi.param_grad(m, i);
    size_t n = ref().params.at(i).size();
    out.emplace_back(p, p + (p ? n : 0));
  }
  return out;
}

// Bitwise equality of two snapshots (no tolerance: "unchanged" means unchanged).
bool sameBits(const std::vector<std::vector<float>> &a,
              const std::vector<std::vector<float>> &b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].size() != b[i].size())
      return false;
    if (!a[i].empty() &&
        std::memcmp(a[i].data(), b[i].data(), a[i].size() * sizeof(float)))
      return false;
  }
  return true;
}

bool approxEq(double got, double want, double rtol, double atol) {
  return std::isfinite(got) && std::fabs(got - want) <= atol + rtol * std::fabs(want);
}

double mseLoss(const std::vector<float> &y, const std::vector<float> &t) {
  // 0.5 * sum over features, mean over the batch of 4.
  double s = 0;
  for (size_t i = 0; i < y.size(); ++i)
    s += 0.5 * (double(y[i]) - t[i]) * (double(y[i]) - t[i]);
  return s / 4;
}

std::vector<float> predict(const Abi &abi, pcc_model *m,
                           const std::vector<float> &x) {
  std::vector<float> y(8, std::nanf(""));
  const float *inputs[] = {x.data()};
  int rc = abi.predict(m, inputs, y.data());
  EXPECT_EQ(rc, 0) << lastError(abi, m);
  return y;
}

int trainStep(const Abi &abi, pcc_model *m, const std::vector<float> &x,
              const std::vector<float> &t, pcc_step_stats *stats) {
  const float *inputs[] = {x.data()};
  return abi.train_step(m, inputs, t.data(), stats);
}

int computeGradients(const Abi &abi, pcc_model *m, const std::vector<float> &x,
                     const std::vector<float> &t, pcc_step_stats *stats) {
  const float *inputs[] = {x.data()};
  return abi.compute_gradients(m, inputs, t.data(), stats);
}

pcc_step_stats poisonedStats() {
  pcc_step_stats s;
  s.loss = std::nanf("");
  s.energy = std::nanf("");
  s.steps = -12345;
  return s;
}

//===----------------------------------------------------------------------===//
// Loading and symbols
//===----------------------------------------------------------------------===//

TEST(AbiSymbols, EveryFunctionIsExported) {
  const Abi &abi = il();
  ASSERT_NE(abi.handle, nullptr) << abi.error;
  for (const char *name : kAbiNames)
    EXPECT_NE(abi.sym(std::string("pcc_") + name), nullptr)
        << "pcc_" << name << " is not exported by " PCC_TEST_TINY_IL_SO;
  EXPECT_TRUE(abi.ok) << abi.error;
}

TEST(AbiSymbols, PrefixRenamesEverySymbol) {
  const Abi &abi = prefixed();
  ASSERT_NE(abi.handle, nullptr) << abi.error;
  for (const char *name : kAbiNames) {
    EXPECT_NE(abi.sym(std::string("tiny_") + name), nullptr)
        << "tiny_" << name << " is not exported by " PCC_TEST_TINY_PREFIX_SO;
    dlerror();
    EXPECT_EQ(dlsym(abi.handle, (std::string("pcc_") + name).c_str()), nullptr)
        << "pcc_" << name << " is still exported by the --prefix=tiny library";
  }
  EXPECT_TRUE(abi.ok) << abi.error;
}

TEST(AbiSymbols, PrefixedAndUnprefixedLibrariesCoexist) {
  REQUIRE_ABI(il());
  REQUIRE_ABI(prefixed());
  const Reference &r = ref();
  Model a(il()), b(prefixed());
  ASSERT_NE(a.get(), nullptr);
  ASSERT_NE(b.get(), nullptr);
  // Training the il model leaves the bp model of the other library alone.
  ASSERT_EQ(il().set_hyperparameter(a, "learning_rate", 0.05), 0);
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(trainStep(il(), a, r.input, r.target, nullptr), 0)
        << lastError(il(), a);
  std::vector<float> y = predict(prefixed(), b, r.input);
  for (size_t i = 0; i < y.size(); ++i)
    EXPECT_TRUE(approxEq(y[i], r.forward[i], 1e-5, 1e-6))
        << "y[" << i << "] = " << y[i] << ", want " << r.forward[i];
}

//===----------------------------------------------------------------------===//
// pcc_signature
//===----------------------------------------------------------------------===//

void checkSignature(const Abi &abi, const char *algorithm) {
  const char *sig = abi.signature();
  ASSERT_NE(sig, nullptr);
  std::string s(sig);
  ASSERT_FALSE(s.empty());
  size_t first = s.find_first_not_of(" \t\r\n");
  size_t last = s.find_last_not_of(" \t\r\n");
  ASSERT_NE(first, std::string::npos);
  EXPECT_EQ(s[first], '{') << s;
  EXPECT_EQ(s[last], '}') << s;
  try {
    Json j = parseJson(s);
    EXPECT_EQ(j.kind, Json::Object) << s;
  } catch (const std::exception &e) {
    ADD_FAILURE() << "signature is not valid JSON (" << e.what() << "): " << s;
  }
  EXPECT_NE(s.find(std::string("\"") + algorithm + "\""), std::string::npos)
      << "signature does not name the algorithm \"" << algorithm << "\": " << s;
  for (const Param &p : ref().params)
    EXPECT_NE(s.find("\"" + p.name + "\""), std::string::npos)
        << "signature does not name parameter " << p.name << ": " << s;
  EXPECT_NE(s.find("learning_rate"), std::string::npos)
      << "signature does not list the hyperparameters: " << s;
  // Stable: a second call (and a model existing) changes nothing.
  Model m(abi);
  EXPECT_EQ(std::string(abi.signature()), s);
}

TEST(AbiSignature, IlLibrary) {
  REQUIRE_ABI(il());
  checkSignature(il(), "il");
}

TEST(AbiSignature, PrefixedBpLibrary) {
  REQUIRE_ABI(prefixed());
  checkSignature(prefixed(), "bp");
}

//===----------------------------------------------------------------------===//
// pcc_create / pcc_destroy
//===----------------------------------------------------------------------===//

TEST(AbiLifetime, CreateAndDestroy) {
  REQUIRE_ABI(il());
  const Abi &abi = il();
  pcc_model *a = abi.create();
  ASSERT_NE(a, nullptr);
  pcc_model *b = abi.create();
  ASSERT_NE(b, nullptr);
  EXPECT_NE(a, b);
  abi.destroy(a);
  abi.destroy(b);
  abi.destroy(nullptr); // no-op, must not crash
  // Many create/destroy cycles (catches leaks under ASan/valgrind).
  for (int i = 0; i < 100; ++i) {
    pcc_model *m = abi.create();
    ASSERT_NE(m, nullptr);
    abi.destroy(m);
  }
}

//===----------------------------------------------------------------------===//
// Parameters: metadata, data, bounds
//===----------------------------------------------------------------------===//

void checkParamMetadata(const Abi &abi) {
  const Reference &r = ref();
  // The metadata functions need no model.
  ASSERT_EQ(abi.num_params(), static_cast<int64_t>(r.params.size()));
  for (size_t i = 0; i < r.params.size(); ++i) {
    const Param &p = r.params[i];
    const char *name = abi.param_name(i);
    ASSERT_NE(name, nullptr) << "param " << i;
    EXPECT_EQ(std::string(name), p.name) << "param " << i;
    ASSERT_EQ(abi.param_rank(i), static_cast<int64_t>(p.shape.size()))
        << p.name;
    const int64_t *shape = abi.param_shape(i);
    ASSERT_NE(shape, nullptr) << p.name;
    for (size_t d = 0; d < p.shape.size(); ++d)
      EXPECT_EQ(shape[d], p.shape[d]) << p.name << " dim " << d;
  }
}

TEST(AbiParams, MetadataMatchesOnnxInitializers) {
  REQUIRE_ABI(il());
  checkParamMetadata(il());
}

TEST(AbiParams, MetadataMatchesOnnxInitializersPrefixed) {
  REQUIRE_ABI(prefixed());
  checkParamMetadata(prefixed());
}

TEST(AbiParams, OutOfRangeIndices) {
  REQUIRE_ABI(il());
  const Abi &abi = il();
  const int64_t n = abi.num_params();
  const int64_t bad[] = {-1, n, n + 1, std::numeric_limits<int64_t>::min(),
                         std::numeric_limits<int64_t>::max()};
  Model m(abi);
  ASSERT_NE(m.get(), nullptr);
  for (int64_t i : bad) {
    EXPECT_EQ(abi.param_name(i), nullptr) << "index " << i;
    EXPECT_EQ(abi.param_rank(i), -1) << "index " << i;
    EXPECT_EQ(abi.param_shape(i), nullptr) << "index " << i;
    EXPECT_EQ(abi.param_data(m, i), nullptr) << "index " << i;
    EXPECT_EQ(abi.param_grad(m, i), nullptr) << "index " << i;
  }
  EXPECT_EQ(abi.param_data(nullptr, 0), nullptr);
  EXPECT_EQ(abi.param_grad(nullptr, 0), nullptr);
  // The model is still usable.
  EXPECT_NE(abi.param_data(m, 0), nullptr);
}

// The tiny MLP has no state: every state query is empty, not a crash.
TEST(AbiStates, NoStateIsEmpty) {
  REQUIRE_ABI(il());
  const Abi &abi = il();
  EXPECT_EQ(abi.num_states(), 0);
  Model m(abi);
  ASSERT_NE(m.get(), nullptr);
  for (int64_t i : {int64_t(-1), int64_t(0), int64_t(1)}) {
    EXPECT_EQ(abi.state_name(i), nullptr) << "index " << i;
    EXPECT_EQ(abi.state_rank(i), -1) << "index " << i;
    EXPECT_EQ(abi.state_shape(i), nullptr) << "index " << i;
    EXPECT_EQ(abi.state_data(m, i), nullptr) << "index " << i;
  }
  EXPECT_EQ(abi.state_data(nullptr, 0), nullptr);
}

// --freeze=fc1.weight: the parameter is still listed, marked untrainable
// in the signature, gets a zero gradient and never moves; the others train.
TEST(AbiParams, FrozenParameterStaysPut) {
  REQUIRE_ABI(frozen());
  const Abi &abi = frozen();
  const Reference &r = ref();
  ASSERT_EQ(abi.num_params(), (int64_t)r.params.size());
  ASSERT_STREQ(abi.param_name(0), "fc1.weight");
  std::string sig = abi.signature();
  EXPECT_NE(sig.find("{\"name\": \"fc1.weight\", \"shape\": [5, 3], "
                     "\"trainable\": false}"),
            std::string::npos)
      << sig;
  EXPECT_NE(sig.find("{\"name\": \"fc1.bias\", \"shape\": [5], "
                     "\"trainable\": true}"),
            std::string::npos)
      << sig;
  Model m(abi);
  ASSERT_NE(m.get(), nullptr);
  auto before = params(abi, m);
  ASSERT_EQ(trainStep(abi, m, r.input, r.target, nullptr), 0)
      << lastError(abi, m);
  auto after = params(abi, m);
  EXPECT_TRUE(sameBits({before[0]}, {after[0]})) << "the frozen weight moved";
  for (size_t i = 1; i < before.size(); ++i)
    EXPECT_FALSE(sameBits({before[i]}, {after[i]})) << "param " << i;
  const float *g = abi.param_grad(m, 0);
  ASSERT_NE(g, nullptr);
  for (size_t k = 0; k < before[0].size(); ++k)
    EXPECT_EQ(g[k], 0.0f) << "gradient of the frozen weight, element " << k;
}

TEST(AbiParams, CreateLoadsOnnxInitializers) {
  REQUIRE_ABI(il());
  const Abi &abi = il();
  Model m(abi);
  ASSERT_NE(m.get(), nullptr);
  const Reference &r = ref();
  for (size_t i = 0; i < r.params.size(); ++i) {
    const float *p = abi.param_data(m, i);
    ASSERT_NE(p, nullptr) << r.params[i].name;
    for (size_t k = 0; k < r.params[i].size(); ++k)
      EXPECT_FLOAT_EQ(p[k], r.params[i].data[k]) << r.params[i].name << "[" << k << "]";
  }
  // Data buffers of distinct params do not alias; the pointer is stable.
  for (size_t i = 0; i < r.params.size(); ++i) {
    EXPECT_EQ(abi.param_data(m, i), abi.param_data(m, i));
    for (size_t j = i + 1; j < r.params.size(); ++j)
      EXPECT_NE(abi.param_data(m, i), abi.param_data(m, j));
  }
}

TEST(AbiParams, ParamDataIsWritable) {
  REQUIRE_ABI(il());
  const Abi &abi = il();
  const Reference &r = ref();
  Model m(abi), other(abi);
  ASSERT_NE(m.get(), nullptr);
  ASSERT_NE(other.get(), nullptr);
  // All parameters zero => y = 0 for the Linear-ReLU-Linear model.
  for (size_t i = 0; i < r.params.size(); ++i) {
    float *p = abi.param_data(m, i);
    ASSERT_NE(p, nullptr);
    for (size_t k = 0; k < r.params[i].size(); ++k)
      p[k] = 0.0f;
  }
  std::vector<float> y = predict(abi, m, r.input);
  for (size_t i = 0; i < y.size(); ++i)
    EXPECT_EQ(y[i], 0.0f) << "y[" << i << "]";
  // Only the output bias set => every row of y equals that bias.
  int64_t last = -1;
  for (size_t i = 0; i < r.params.size(); ++i)
    if (r.params[i].name == "fc2.bias")
      last = i;
  ASSERT_GE(last, 0) << "tiny.json has no fc2.bias";
  float *b2 = abi.param_data(m, last);
  b2[0] = 1.5f;
  b2[1] = -2.0f;
  y = predict(abi, m, r.input);
  for (size_t row = 0; row < 4; ++row) {
    EXPECT_FLOAT_EQ(y[2 * row], 1.5f);
    EXPECT_FLOAT_EQ(y[2 * row + 1], -2.0f);
  }
  // The other model is untouched.
  std::vector<float> yo = predict(abi, other, r.input);
  for (size_t i = 0; i < yo.size(); ++i)
    EXPECT_TRUE(approxEq(yo[i], r.forward[i], 1e-5, 1e-6)) << "y[" << i << "]";
}

//===----------------------------------------------------------------------===//
// pcc_predict
//===----------------------------------------------------------------------===//

void checkPredict(const Abi &abi) {
  const Reference &r = ref();
  Model m(abi);
  ASSERT_NE(m.get(), nullptr);
  auto before = params(abi, m);
  std::vector<float> y = predict(abi, m, r.input);
  ASSERT_EQ(y.size(), r.forward.size());
  for (size_t i = 0; i < y.size(); ++i)
    EXPECT_TRUE(approxEq(y[i], r.forward[i], 1e-5, 1e-6))
        << "y[" << i << "] = " << y[i] << ", want " << r.forward[i];
  // Deterministic, and it changes no parameter.
  std::vector<float> y2 = predict(abi, m, r.input);
  EXPECT_EQ(0, std::memcmp(y.data(), y2.data(), y.size() * sizeof(float)));
  EXPECT_TRUE(sameBits(before, params(abi, m)));
}

TEST(AbiPredict, MatchesTorchForward) {
  REQUIRE_ABI(il());
  checkPredict(il());
}

TEST(AbiPredict, MatchesTorchForwardPrefixed) {
  REQUIRE_ABI(prefixed());
  checkPredict(prefixed());
}

//===----------------------------------------------------------------------===//
// Bad arguments and pcc_last_error
//===----------------------------------------------------------------------===//

TEST(AbiErrors, LastErrorOfNullModelIsAString) {
  REQUIRE_ABI(il());
  const char *e = il().last_error(nullptr);
  ASSERT_NE(e, nullptr);
  (void)std::strlen(e); // readable, NUL-terminated
}

TEST(AbiErrors, NullArgumentsAreRejected) {
  REQUIRE_ABI(il());
  const Abi &abi = il();
  const Reference &r = ref();
  Model m(abi);
  ASSERT_NE(m.get(), nullptr);
  auto before = params(abi, m);

  std::vector<float> y(8);
  const float *good[] = {r.input.data()};
  const float *withNull[] = {nullptr};
  pcc_step_stats st;

  auto expectError = [&](int rc, pcc_model *model, const char *what) {
    EXPECT_NE(rc, 0) << what << " should fail";
    if (model) {
      const char *e = abi.last_error(model);
      ASSERT_NE(e, nullptr) << what;
      EXPECT_GT(std::strlen(e), 0u) << what << ": empty error message";
    }
    EXPECT_NE(abi.last_error(nullptr), nullptr);
  };

  expectError(abi.predict(nullptr, good, y.data()), nullptr, "predict(NULL model)");
  expectError(abi.predict(m, nullptr, y.data()), m, "predict(NULL inputs)");
  expectError(abi.predict(m, withNull, y.data()), m, "predict(inputs[0] NULL)");
  expectError(abi.predict(m, good, nullptr), m, "predict(NULL output)");

  for (pcc_step_stats *s : {&st, static_cast<pcc_step_stats *>(nullptr)}) {
    expectError(abi.train_step(nullptr, good, r.target.data(), s), nullptr,
                "train_step(NULL model)");
    expectError(abi.train_step(m, nullptr, r.target.data(), s), m,
                "train_step(NULL inputs)");
    expectError(abi.train_step(m, withNull, r.target.data(), s), m,
                "train_step(inputs[0] NULL)");
    expectError(abi.train_step(m, good, nullptr, s), m,
                "train_step(NULL target)");
    expectError(abi.compute_gradients(nullptr, good, r.target.data(), s),
                nullptr, "compute_gradients(NULL model)");
    expectError(abi.compute_gradients(m, nullptr, r.target.data(), s), m,
                "compute_gradients(NULL inputs)");
    expectError(abi.compute_gradients(m, withNull, r.target.data(), s), m,
                "compute_gradients(inputs[0] NULL)");
    expectError(abi.compute_gradients(m, good, nullptr, s), m,
                "compute_gradients(NULL target)");
  }
  expectError(abi.set_hyperparameter(nullptr, "learning_rate", 0.1), nullptr,
              "set_hyperparameter(NULL model)");
  expectError(abi.set_hyperparameter(m, nullptr, 0.1), m,
              "set_hyperparameter(NULL name)");

  // Failed calls changed nothing, and the model still works.
  EXPECT_TRUE(sameBits(before, params(abi, m)));
  std::vector<float> out = predict(abi, m, r.input);
  for (size_t i = 0; i < out.size(); ++i)
    EXPECT_TRUE(approxEq(out[i], r.forward[i], 1e-5, 1e-6));
}

//===----------------------------------------------------------------------===//
// pcc_set_hyperparameter
//===----------------------------------------------------------------------===//

TEST(AbiHyperparameters, UnknownNameIsRejectedAndNamed) {
  REQUIRE_ABI(il());
  const Abi &abi = il();
  Model m(abi);
  ASSERT_NE(m.get(), nullptr);
  for (const char *name : {"momentum", "learningrate", "", "LEARNING_RATE"}) {
    EXPECT_NE(abi.set_hyperparameter(m, name, 0.1), 0) << "'" << name << "'";
    std::string e = lastError(abi, m);
    EXPECT_FALSE(e.empty()) << "'" << name << "'";
    if (*name) {
      EXPECT_NE(e.find(name), std::string::npos)
          << "message does not name '" << name << "': " << e;
    }
  }
}

TEST(AbiHyperparameters, BadValuesAreRejected) {
  REQUIRE_ABI(il());
  const Abi &abi = il();
  Model m(abi);
  ASSERT_NE(m.get(), nullptr);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  struct Case {
    const char *name;
    double value;
  } bad[] = {
      {"learning_rate", -1e-3}, {"learning_rate", nan},
      {"learning_rate", inf},   {"learning_rate", -inf},
      {"inference_rate", -0.1}, {"inference_rate", nan},
      {"inference_rate", inf},  {"inference_steps", 0},
      {"inference_steps", -1},  {"inference_steps", 2.5},
      {"inference_steps", nan}, {"inference_steps", inf},
      {"inference_steps", 1e30},
  };
  for (const Case &c : bad) {
    EXPECT_NE(abi.set_hyperparameter(m, c.name, c.value), 0)
        << c.name << " = " << c.value << " was accepted";
    EXPECT_FALSE(lastError(abi, m).empty()) << c.name << " = " << c.value;
  }
}

TEST(AbiHyperparameters, ValidValuesAreAccepted) {
  REQUIRE_ABI(il());
  const Abi &abi = il();
  Model m(abi);
  ASSERT_NE(m.get(), nullptr);
  struct Case {
    const char *name;
    double value;
  } good[] = {
      {"learning_rate", 0.0},   {"learning_rate", 1e-3},
      {"learning_rate", 0.5},   {"inference_rate", 0.05},
      {"inference_rate", 1.0},  {"inference_steps", 1},
      {"inference_steps", 3.0}, {"inference_steps", 50},
  };
  for (const Case &c : good)
    EXPECT_EQ(abi.set_hyperparameter(m, c.name, c.value), 0)
        << c.name << " = " << c.value << ": " << lastError(abi, m);
}

TEST(AbiHyperparameters, RejectedValueKeepsThePreviousOne) {
  REQUIRE_ABI(il());
  const Abi &abi = il();
  const Reference &r = ref();
  Model m(abi);
  ASSERT_NE(m.get(), nullptr);
  ASSERT_EQ(abi.set_hyperparameter(m, "inference_steps", 7), 0)
      << lastError(abi, m);
  EXPECT_NE(abi.set_hyperparameter(m, "inference_steps", 0), 0);
  EXPECT_NE(abi.set_hyperparameter(m, "inference_steps", 2.5), 0);
  pcc_step_stats st = poisonedStats();
  ASSERT_EQ(computeGradients(abi, m, r.input, r.target, &st), 0)
      << lastError(abi, m);
  EXPECT_EQ(st.steps, 7);
}

//===----------------------------------------------------------------------===//
// pcc_compute_gradients
//===----------------------------------------------------------------------===//

TEST(AbiGradients, DefaultInferenceSteps) {
  REQUIRE_ABI(il());
  const Abi &abi = il();
  const Reference &r = ref();
  Model m(abi);
  ASSERT_NE(m.get(), nullptr);
  pcc_step_stats st = poisonedStats();
  ASSERT_EQ(computeGradients(abi, m, r.input, r.target, &st), 0)
      << lastError(abi, m);
  EXPECT_EQ(st.steps, 20) << "the library was compiled with the default T";
}

TEST(AbiGradients, FillsStatsAndGradientsAndChangesNothing) {
  REQUIRE_ABI(il());
  const Abi &abi = il();
  const Reference &r = ref();
  Model m(abi);
  ASSERT_NE(m.get(), nullptr);
  ASSERT_EQ(abi.set_hyperparameter(m, "inference_steps", 7), 0)
      << lastError(abi, m);
  auto before = params(abi, m);

  pcc_step_stats st = poisonedStats();
  ASSERT_EQ(computeGradients(abi, m, r.input, r.target, &st), 0)
      << lastError(abi, m);
  EXPECT_TRUE(std::isfinite(st.loss));
  EXPECT_GT(st.loss, 0.0f);
  EXPECT_TRUE(approxEq(st.loss, r.mseLoss, 1e-5, 1e-7))
      << "loss " << st.loss << ", torch " << r.mseLoss;
  EXPECT_EQ(st.steps, 7);
  EXPECT_TRUE(std::isfinite(st.energy));
  EXPECT_GE(st.energy, 0.0f);
  EXPECT_LE(st.energy, st.loss * (1 + 1e-5f) + 1e-7f)
      << "relaxation should not raise the energy above F(forward) = L";

  // Parameters unchanged; predict unchanged.
  EXPECT_TRUE(sameBits(before, params(abi, m)));
  std::vector<float> y = predict(abi, m, r.input);
  for (size_t i = 0; i < y.size(); ++i)
    EXPECT_TRUE(approxEq(y[i], r.forward[i], 1e-5, 1e-6));

  // Gradients present, finite, not all zero, and roughly aligned with torch's
  // (same sign convention as .grad; il only approximates BP).
  auto g = grads(abi, m);
  double dot = 0, gg = 0, tt = 0;
  bool anyNonZero = false;
  for (size_t i = 0; i < g.size(); ++i) {
    ASSERT_EQ(g[i].size(), r.params[i].size())
        << "pcc_param_grad(" << i << ") is NULL";
    for (size_t k = 0; k < g[i].size(); ++k) {
      EXPECT_TRUE(std::isfinite(g[i][k])) << r.params[i].name << "[" << k << "]";
      anyNonZero |= g[i][k] != 0.0f;
      dot += double(g[i][k]) * r.params[i].grad[k];
      gg += double(g[i][k]) * g[i][k];
      tt += double(r.params[i].grad[k]) * r.params[i].grad[k];
    }
  }
  EXPECT_TRUE(anyNonZero);
  EXPECT_GT(dot / std::sqrt(gg * tt + 1e-30), 0.5)
      << "il gradient points away from the torch gradient";

  // Nothing else changed either: a second call gives the same gradients.
  pcc_step_stats st2 = poisonedStats();
  ASSERT_EQ(computeGradients(abi, m, r.input, r.target, &st2), 0)
      << lastError(abi, m);
  EXPECT_TRUE(sameBits(g, grads(abi, m)));
  EXPECT_EQ(st2.loss, st.loss);
  EXPECT_EQ(st2.energy, st.energy);
  EXPECT_EQ(st2.steps, st.steps);
  EXPECT_TRUE(sameBits(before, params(abi, m)));

  // And the optimizer state was not advanced: a train step after the two
  // compute_gradients calls matches a train step on a fresh model.
  Model fresh(abi);
  ASSERT_EQ(abi.set_hyperparameter(fresh, "inference_steps", 7), 0);
  ASSERT_EQ(trainStep(abi, m, r.input, r.target, nullptr), 0) << lastError(abi, m);
  ASSERT_EQ(trainStep(abi, fresh, r.input, r.target, nullptr), 0)
      << lastError(abi, fresh);
  EXPECT_TRUE(sameBits(params(abi, m), params(abi, fresh)));
}

TEST(AbiGradients, BpMatchesTorchGrad) {
  REQUIRE_ABI(prefixed());
  const Abi &abi = prefixed();
  const Reference &r = ref();
  Model m(abi);
  ASSERT_NE(m.get(), nullptr);
  pcc_step_stats st = poisonedStats();
  ASSERT_EQ(computeGradients(abi, m, r.input, r.target, &st), 0)
      << lastError(abi, m);
  EXPECT_TRUE(approxEq(st.loss, r.mseLoss, 1e-5, 1e-7))
      << "loss " << st.loss << ", torch " << r.mseLoss;
  auto g = grads(abi, m);
  for (size_t i = 0; i < g.size(); ++i) {
    ASSERT_EQ(g[i].size(), r.params[i].size())
        << "tiny_param_grad(" << i << ") is NULL";
    for (size_t k = 0; k < g[i].size(); ++k)
      EXPECT_TRUE(approxEq(g[i][k], r.params[i].grad[k], 1e-4, 1e-6))
          << r.params[i].name << "[" << k << "]: " << g[i][k] << ", torch "
          << r.params[i].grad[k];
  }
}

// `stats` is an optional out-parameter: NULL is allowed for both
// pcc_compute_gradients and pcc_train_step, and the call does the same work.
TEST(AbiGradients, NullStatsIsAllowed) {
  REQUIRE_ABI(il());
  const Abi &abi = il();
  const Reference &r = ref();
  Model a(abi), b(abi);
  ASSERT_EQ(computeGradients(abi, a, r.input, r.target, nullptr), 0)
      << lastError(abi, a);
  pcc_step_stats st;
  ASSERT_EQ(computeGradients(abi, b, r.input, r.target, &st), 0)
      << lastError(abi, b);
  EXPECT_TRUE(sameBits(grads(abi, a), grads(abi, b)));
  ASSERT_EQ(trainStep(abi, a, r.input, r.target, nullptr), 0) << lastError(abi, a);
  ASSERT_EQ(trainStep(abi, b, r.input, r.target, &st), 0) << lastError(abi, b);
  EXPECT_TRUE(sameBits(params(abi, a), params(abi, b)));
}

//===----------------------------------------------------------------------===//
// pcc_train_step
//===----------------------------------------------------------------------===//

TEST(AbiTrain, StepChangesParamsAndFillsStats) {
  REQUIRE_ABI(il());
  const Abi &abi = il();
  const Reference &r = ref();
  Model m(abi);
  ASSERT_NE(m.get(), nullptr);
  ASSERT_EQ(abi.set_hyperparameter(m, "inference_steps", 5), 0);
  auto before = params(abi, m);
  pcc_step_stats st = poisonedStats();
  ASSERT_EQ(trainStep(abi, m, r.input, r.target, &st), 0) << lastError(abi, m);
  EXPECT_FALSE(sameBits(before, params(abi, m)));
  EXPECT_TRUE(approxEq(st.loss, r.mseLoss, 1e-5, 1e-7))
      << "stats.loss is the loss at the forward pass, before the update";
  EXPECT_EQ(st.steps, 5);
  EXPECT_TRUE(std::isfinite(st.energy));
  for (const auto &p : params(abi, m))
    for (float v : p)
      EXPECT_TRUE(std::isfinite(v));
}

TEST(AbiTrain, ZeroLearningRateLeavesParams) {
  REQUIRE_ABI(il());
  const Abi &abi = il();
  const Reference &r = ref();
  Model m(abi);
  ASSERT_NE(m.get(), nullptr);
  ASSERT_EQ(abi.set_hyperparameter(m, "learning_rate", 0.0), 0)
      << lastError(abi, m);
  auto before = params(abi, m);
  for (int i = 0; i < 5; ++i) {
    pcc_step_stats st = poisonedStats();
    ASSERT_EQ(trainStep(abi, m, r.input, r.target, &st), 0) << lastError(abi, m);
    EXPECT_TRUE(approxEq(st.loss, r.mseLoss, 1e-5, 1e-7));
  }
  EXPECT_TRUE(sameBits(before, params(abi, m)))
      << "learning_rate 0 must leave the parameters unchanged (Adam too)";
}

void checkLossDecreases(const Abi &abi) {
  const Reference &r = ref();
  Model m(abi);
  ASSERT_NE(m.get(), nullptr);
  ASSERT_EQ(abi.set_hyperparameter(m, "learning_rate", 0.01), 0)
      << lastError(abi, m);
  const double initial = mseLoss(predict(abi, m, r.input), r.target);
  EXPECT_TRUE(approxEq(initial, r.mseLoss, 1e-5, 1e-7));
  for (int step = 0; step < 50; ++step) {
    const double want = mseLoss(predict(abi, m, r.input), r.target);
    pcc_step_stats st = poisonedStats();
    ASSERT_EQ(trainStep(abi, m, r.input, r.target, &st), 0)
        << "step " << step << ": " << lastError(abi, m);
    ASSERT_TRUE(approxEq(st.loss, want, 1e-4, 1e-6))
        << "step " << step << ": stats.loss " << st.loss
        << " is not the loss before the update (" << want << ")";
  }
  const double final_ = mseLoss(predict(abi, m, r.input), r.target);
  EXPECT_TRUE(std::isfinite(final_));
  EXPECT_LT(final_, 0.9 * initial)
      << "50 steps at learning_rate 0.01 on one batch: " << initial << " -> "
      << final_;
}

TEST(AbiTrain, LossDecreasesOnAFixedBatch) {
  REQUIRE_ABI(il());
  checkLossDecreases(il());
}

TEST(AbiTrain, LossDecreasesOnAFixedBatchPrefixed) {
  REQUIRE_ABI(prefixed());
  checkLossDecreases(prefixed());
}

//===----------------------------------------------------------------------===//
// The optimizer on its own: apply_gradients and optimizer state
//===----------------------------------------------------------------------===//

// train_step == compute_gradients + apply_gradients, bit for bit, whether the
// gradient comes from the library's buffers (NULL) or from the caller.
TEST(AbiOptimizer, ComputeThenApplyIsATrainStep) {
  REQUIRE_ABI(il());
  const Abi &abi = il();
  const Reference &r = ref();
  Model trained(abi), own(abi), given(abi);
  for (pcc_model *m : {trained.get(), own.get(), given.get()})
    ASSERT_EQ(abi.set_hyperparameter(m, "learning_rate", 0.01), 0);
  for (int step = 0; step < 3; ++step) {
    ASSERT_EQ(trainStep(abi, trained, r.input, r.target, nullptr), 0)
        << lastError(abi, trained);
    ASSERT_EQ(computeGradients(abi, own, r.input, r.target, nullptr), 0);
    ASSERT_EQ(abi.apply_gradients(own, nullptr), 0) << lastError(abi, own);
    ASSERT_EQ(computeGradients(abi, given, r.input, r.target, nullptr), 0);
    std::vector<std::vector<float>> g = grads(abi, given);
    std::vector<const float *> ptrs;
    for (const auto &gi : g)
      ptrs.push_back(gi.data());
    ASSERT_EQ(abi.apply_gradients(given, ptrs.data()), 0)
        << lastError(abi, given);
  }
  Model fresh(abi);
  EXPECT_FALSE(sameBits(params(abi, trained), params(abi, fresh)));
  EXPECT_TRUE(sameBits(params(abi, trained), params(abi, own)));
  EXPECT_TRUE(sameBits(params(abi, trained), params(abi, given)));
  EXPECT_EQ(abi.optimizer_step(trained), 3);
  EXPECT_EQ(abi.optimizer_step(own), 3);
}

// The caller's own gradient is applied: Adam's first step moves every
// element by -lr * sign(g).
TEST(AbiOptimizer, AppliesTheCallersGradient) {
  REQUIRE_ABI(il());
  const Abi &abi = il();
  Model m(abi);
  ASSERT_EQ(abi.set_hyperparameter(m, "learning_rate", 0.5), 0);
  auto before = params(abi, m);
  std::vector<std::vector<float>> g;
  std::vector<const float *> ptrs;
  for (const auto &p : before) {
    g.emplace_back(p.size());
    for (size_t k = 0; k < p.size(); ++k)
      g.back()[k] = k % 2 ? 3.0f : -0.25f;
  }
  for (const auto &gi : g)
    ptrs.push_back(gi.data());
  ASSERT_EQ(abi.apply_gradients(m, ptrs.data()), 0) << lastError(abi, m);
  auto after = params(abi, m);
  for (size_t i = 0; i < after.size(); ++i)
    for (size_t k = 0; k < after[i].size(); ++k)
      EXPECT_NEAR(after[i][k] - before[i][k], k % 2 ? -0.5 : 0.5, 1e-5)
          << "parameter " << i << " element " << k;
}

TEST(AbiOptimizer, NullGradientEntryIsRejectedAndNamed) {
  REQUIRE_ABI(il());
  const Abi &abi = il();
  Model m(abi);
  auto before = params(abi, m);
  std::vector<std::vector<float>> g = before;
  std::vector<const float *> ptrs;
  for (const auto &gi : g)
    ptrs.push_back(gi.data());
  ptrs[1] = nullptr;
  EXPECT_NE(abi.apply_gradients(m, ptrs.data()), 0);
  EXPECT_NE(lastError(abi, m).find(abi.param_name(1)), std::string::npos)
      << lastError(abi, m);
  EXPECT_TRUE(sameBits(before, params(abi, m)));
  EXPECT_EQ(abi.optimizer_step(m), 0);
  EXPECT_NE(abi.apply_gradients(nullptr, nullptr), 0);
}

// Copying parameters, optimizer step and Adam's moments into a fresh model
// resumes training exactly: the next steps are bit-identical.
TEST(AbiOptimizer, StateCopyResumesTrainingBitIdentically) {
  REQUIRE_ABI(il());
  const Abi &abi = il();
  const Reference &r = ref();
  Model a(abi), b(abi);
  for (pcc_model *m : {a.get(), b.get()})
    ASSERT_EQ(abi.set_hyperparameter(m, "learning_rate", 0.01), 0);
  for (int step = 0; step < 3; ++step)
    ASSERT_EQ(trainStep(abi, a, r.input, r.target, nullptr), 0);
  ASSERT_EQ(abi.set_optimizer_step(b, abi.optimizer_step(a)), 0);
  for (int64_t i = 0; i < abi.num_params(); ++i) {
    size_t n = r.params.at(i).size();
    std::memcpy(abi.param_data(b, i), abi.param_data(a, i), n * sizeof(float));
    for (int64_t which : {0, 1}) {
      float *from = abi.optimizer_state(a, i, which);
      float *to = abi.optimizer_state(b, i, which);
      ASSERT_NE(from, nullptr) << "Adam keeps moments for parameter " << i;
      ASSERT_NE(to, nullptr);
      std::memcpy(to, from, n * sizeof(float));
    }
  }
  for (int step = 0; step < 2; ++step) {
    ASSERT_EQ(trainStep(abi, a, r.input, r.target, nullptr), 0);
    ASSERT_EQ(trainStep(abi, b, r.input, r.target, nullptr), 0);
  }
  EXPECT_TRUE(sameBits(params(abi, a), params(abi, b)));
  // Without the moments the continuation differs (the test can fail).
  Model c(abi);
  ASSERT_EQ(abi.set_hyperparameter(c, "learning_rate", 0.01), 0);
  for (int64_t i = 0; i < abi.num_params(); ++i)
    std::memcpy(abi.param_data(c, i), abi.param_data(a, i),
                r.params.at(i).size() * sizeof(float));
  ASSERT_EQ(abi.set_optimizer_step(c, abi.optimizer_step(a)), 0);
  ASSERT_EQ(trainStep(abi, a, r.input, r.target, nullptr), 0);
  ASSERT_EQ(trainStep(abi, c, r.input, r.target, nullptr), 0);
  EXPECT_FALSE(sameBits(params(abi, a), params(abi, c)));
}

// A checkpoint file resumes training bit-identically; a file of another
// model, a truncated one or garbage is refused and changes nothing.
TEST(AbiCheckpoint, SaveLoadResumesAndBadFilesAreRefused) {
  REQUIRE_ABI(il());
  REQUIRE_ABI(frozen());
  const Abi &abi = il();
  const Reference &r = ref();
  std::string path = ::testing::TempDir() + "/abi_ckpt.bin";
  Model a(abi), b(abi);
  for (pcc_model *m : {a.get(), b.get()})
    ASSERT_EQ(abi.set_hyperparameter(m, "learning_rate", 0.01), 0);
  for (int step = 0; step < 3; ++step)
    ASSERT_EQ(trainStep(abi, a, r.input, r.target, nullptr), 0);
  ASSERT_EQ(abi.save_checkpoint(a, path.c_str()), 0) << lastError(abi, a);
  ASSERT_EQ(abi.load_checkpoint(b, path.c_str()), 0) << lastError(abi, b);
  EXPECT_EQ(abi.optimizer_step(b), 3);
  for (int step = 0; step < 2; ++step) {
    ASSERT_EQ(trainStep(abi, a, r.input, r.target, nullptr), 0);
    ASSERT_EQ(trainStep(abi, b, r.input, r.target, nullptr), 0);
  }
  EXPECT_TRUE(sameBits(params(abi, a), params(abi, b)));

  // The frozen library's optimizer is SGD: refused, unchanged.
  const Abi &other = frozen();
  Model c(other);
  auto before = params(other, c);
  EXPECT_NE(other.load_checkpoint(c, path.c_str()), 0);
  EXPECT_NE(lastError(other, c).find("not of this model"), std::string::npos)
      << lastError(other, c);
  EXPECT_TRUE(sameBits(before, params(other, c)));

  // Truncated, garbage, missing: refused, unchanged.
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)),
                    std::istreambuf_iterator<char>());
  std::string cut = path + ".cut";
  std::ofstream(cut, std::ios::binary) << bytes.substr(0, bytes.size() - 5);
  Model d(abi);
  auto fresh = params(abi, d);
  EXPECT_NE(abi.load_checkpoint(d, cut.c_str()), 0);
  EXPECT_NE(lastError(abi, d).find("truncated"), std::string::npos)
      << lastError(abi, d);
  std::ofstream(cut, std::ios::binary) << "garbage, not a checkpoint";
  EXPECT_NE(abi.load_checkpoint(d, cut.c_str()), 0);
  EXPECT_NE(lastError(abi, d).find("not a pcc checkpoint"), std::string::npos);
  EXPECT_NE(abi.load_checkpoint(d, (path + ".missing").c_str()), 0);
  EXPECT_NE(abi.load_checkpoint(d, nullptr), 0);
  EXPECT_TRUE(sameBits(fresh, params(abi, d)));
  EXPECT_EQ(abi.optimizer_step(d), 0);
  EXPECT_NE(abi.save_checkpoint(d, "/nonexistent-dir/x.bin"), 0);
  EXPECT_NE(lastError(abi, d).find("/nonexistent-dir/x.bin"), std::string::npos);
}

TEST(AbiOptimizer, BadStateArgumentsAreRejected) {
  REQUIRE_ABI(il());
  const Abi &abi = il();
  Model m(abi);
  EXPECT_EQ(abi.optimizer_state(m, -1, 0), nullptr);
  EXPECT_EQ(abi.optimizer_state(m, abi.num_params(), 0), nullptr);
  EXPECT_EQ(abi.optimizer_state(m, 0, 2), nullptr);
  EXPECT_EQ(abi.optimizer_state(nullptr, 0, 0), nullptr);
  EXPECT_NE(abi.set_optimizer_step(m, -1), 0);
  EXPECT_NE(lastError(abi, m).find("-1"), std::string::npos);
  EXPECT_EQ(abi.optimizer_step(m), 0);
  EXPECT_EQ(abi.optimizer_step(nullptr), -1);
}

//===----------------------------------------------------------------------===//
// Non-finite numbers: reported, and nothing changes
//===----------------------------------------------------------------------===//

// Everything a failed call must leave as it was, bit for bit.
struct TrainingState {
  std::vector<std::vector<float>> params, moments;
  int64_t step = 0;
  bool operator==(const TrainingState &o) const {
    return sameBits(params, o.params) && sameBits(moments, o.moments) &&
           step == o.step;
  }
};

TrainingState snapshot(const Abi &abi, pcc_model *m) {
  TrainingState s;
  s.params = params(abi, m);
  for (int64_t i = 0; i < abi.num_params(); ++i)
    for (int64_t which : {0, 1})
      if (const float *p = abi.optimizer_state(m, i, which))
        s.moments.emplace_back(p, p + ref().params.at(i).size());
  s.step = abi.optimizer_step(m);
  return s;
}

bool allFinite(const std::vector<std::vector<float>> &tensors) {
  for (const auto &t : tensors)
    for (float v : t)
      if (!std::isfinite(v))
        return false;
  return true;
}

void checkBadNumbersAreRefused(const Abi &abi) {
  const Reference &r = ref();
  const float nan = std::nanf(""), inf = INFINITY;
  struct Case {
    const char *what;
    std::vector<float> input, target;
  };
  std::vector<Case> cases = {{"NaN target", r.input, r.target},
                             {"+Inf input", r.input, r.target},
                             {"-Inf target", r.input, r.target}};
  cases[0].target[3] = nan;
  cases[1].input[5] = inf;
  cases[2].target[0] = -inf;
  for (const Case &c : cases) {
    Model m(abi);
    ASSERT_NE(m.get(), nullptr);
    // Some training first, so that Adam's moments are not all zero.
    ASSERT_EQ(trainStep(abi, m, r.input, r.target, nullptr), 0);
    TrainingState before = snapshot(abi, m);
    pcc_step_stats st = poisonedStats();
    EXPECT_NE(trainStep(abi, m, c.input, c.target, &st), 0) << c.what;
    std::string e = lastError(abi, m);
    EXPECT_NE(e.find("not finite"), std::string::npos) << c.what << ": " << e;
    EXPECT_NE(e.find("left unchanged"), std::string::npos) << c.what << ": " << e;
    EXPECT_TRUE(snapshot(abi, m) == before) << c.what << ": " << e;
    EXPECT_NE(computeGradients(abi, m, c.input, c.target, nullptr), 0) << c.what;
    EXPECT_NE(lastError(abi, m).find("not finite"), std::string::npos);
    EXPECT_TRUE(snapshot(abi, m) == before) << c.what;
    // The model still trains on good data afterwards.
    EXPECT_EQ(trainStep(abi, m, r.input, r.target, nullptr), 0)
        << lastError(abi, m);
    EXPECT_EQ(abi.optimizer_step(m), before.step + 1);
  }
}

TEST(AbiNumbers, NonFiniteDataIsRefusedAndChangesNothing) {
  REQUIRE_ABI(il());
  checkBadNumbersAreRefused(il());
}

TEST(AbiNumbers, NonFiniteDataIsRefusedAndChangesNothingBp) {
  REQUIRE_ABI(prefixed());
  checkBadNumbersAreRefused(prefixed());
}

// A caller's gradient with a NaN, and finite gradients whose update would
// overflow (Adam: g*g; SGD: p - lr*g), are refused before anything moves.
TEST(AbiNumbers, ApplyingAnOverflowingGradientChangesNothing) {
  for (const Abi *abi : {&il(), &frozen()}) {
    REQUIRE_ABI(*abi);
    const Reference &r = ref();
    Model m(*abi);
    ASSERT_NE(m.get(), nullptr);
    ASSERT_EQ(trainStep(*abi, m, r.input, r.target, nullptr), 0);
    ASSERT_EQ(abi->set_hyperparameter(m, "learning_rate", 1e10), 0);
    TrainingState before = snapshot(*abi, m);
    std::vector<std::vector<float>> g;
    for (const auto &p : r.params)
      g.emplace_back(p.size(), 1e30f);
    std::vector<const float *> ptrs;
    for (auto &v : g)
      ptrs.push_back(v.data());
    EXPECT_NE(abi->apply_gradients(m, ptrs.data()), 0);
    std::string e = lastError(*abi, m);
    EXPECT_NE(e.find("would make parameter"), std::string::npos) << e;
    EXPECT_TRUE(snapshot(*abi, m) == before) << e;
    for (auto &v : g)
      std::fill(v.begin(), v.end(), 0.5f);
    g.back()[1] = std::nanf("");
    EXPECT_NE(abi->apply_gradients(m, ptrs.data()), 0);
    e = lastError(*abi, m);
    EXPECT_NE(e.find("gradient of parameter"), std::string::npos) << e;
    EXPECT_TRUE(snapshot(*abi, m) == before) << e;
    // The same finite gradient at a sane rate is applied.
    g.back()[1] = 0.5f;
    ASSERT_EQ(abi->set_hyperparameter(m, "learning_rate", 1e-3), 0);
    EXPECT_EQ(abi->apply_gradients(m, ptrs.data()), 0) << lastError(*abi, m);
    EXPECT_FALSE(snapshot(*abi, m) == before);
  }
}

// Training at a learning rate that diverges stops with an error at the
// first step that would leave a non-finite number, and the parameters stay
// at the last finite values.
TEST(AbiNumbers, DivergingTrainingStopsAtTheLastFiniteParameters) {
  for (const Abi *abi : {&il(), &prefixed(), &frozen()}) {
    REQUIRE_ABI(*abi);
    const Reference &r = ref();
    Model m(*abi);
    ASSERT_NE(m.get(), nullptr);
    ASSERT_EQ(abi->set_hyperparameter(m, "learning_rate", 1e30), 0);
    int failedAt = -1;
    TrainingState before;
    for (int step = 0; step < 100 && failedAt < 0; ++step) {
      before = snapshot(*abi, m);
      if (trainStep(*abi, m, r.input, r.target, nullptr) != 0)
        failedAt = step;
    }
    ASSERT_GE(failedAt, 1) << "learning_rate 1e30 should diverge after a "
                              "step, not before or never";
    std::string e = lastError(*abi, m);
    EXPECT_NE(e.find("not finite"), std::string::npos) << e;
    EXPECT_TRUE(snapshot(*abi, m) == before) << e;
    EXPECT_TRUE(allFinite(params(*abi, m)));
    EXPECT_EQ(abi->optimizer_step(m), failedAt);
  }
}

//===----------------------------------------------------------------------===//
// Independence of models and thread safety
//===----------------------------------------------------------------------===//

TEST(AbiModels, AreIndependent) {
  REQUIRE_ABI(il());
  const Abi &abi = il();
  const Reference &r = ref();
  Model a(abi), b(abi);
  ASSERT_NE(a.get(), nullptr);
  ASSERT_NE(b.get(), nullptr);
  auto initial = params(abi, b);
  for (size_t i = 0; i < r.params.size(); ++i)
    EXPECT_NE(abi.param_data(a, i), abi.param_data(b, i));

  // Hyperparameters are per model.
  ASSERT_EQ(abi.set_hyperparameter(a, "learning_rate", 0.05), 0);
  ASSERT_EQ(abi.set_hyperparameter(a, "inference_steps", 3), 0);
  for (int i = 0; i < 10; ++i)
    ASSERT_EQ(trainStep(abi, a, r.input, r.target, nullptr), 0)
        << lastError(abi, a);
  EXPECT_FALSE(sameBits(initial, params(abi, a)));
  EXPECT_TRUE(sameBits(initial, params(abi, b)));

  pcc_step_stats st = poisonedStats();
  ASSERT_EQ(computeGradients(abi, b, r.input, r.target, &st), 0)
      << lastError(abi, b);
  EXPECT_EQ(st.steps, 20) << "b saw a's inference_steps";
  EXPECT_TRUE(approxEq(st.loss, r.mseLoss, 1e-5, 1e-7));

  // Computing a's gradients does not overwrite b's.
  auto gb = grads(abi, b);
  ASSERT_EQ(computeGradients(abi, a, r.input, r.target, nullptr), 0);
  EXPECT_TRUE(sameBits(gb, grads(abi, b)));

  // A fresh model after training another starts from the initializers.
  Model c(abi);
  EXPECT_TRUE(sameBits(initial, params(abi, c)));
}

struct RunSpec {
  double learningRate;
  int inferenceSteps;
  double inferenceRate;
  std::vector<float> input, target;
  int steps;
};

// Trains a model as `spec` says; returns its parameters, gradients and the
// stats of every step.
struct RunResult {
  std::vector<std::vector<float>> params, grads;
  std::vector<float> losses, energies;
  std::string error;
};

// `ready` runs after the hyperparameters are set and before training starts
// (the concurrent run uses it as a barrier, so that both models have set
// their hyperparameters before either trains).
RunResult runTraining(const Abi &abi, pcc_model *m, const RunSpec &spec,
                      const std::function<void()> &ready = [] {}) {
  RunResult out;
  if (abi.set_hyperparameter(m, "learning_rate", spec.learningRate) ||
      abi.set_hyperparameter(m, "inference_steps", spec.inferenceSteps) ||
      abi.set_hyperparameter(m, "inference_rate", spec.inferenceRate)) {
    out.error = lastError(abi, m);
    ready();
    return out;
  }
  ready();
  const float *inputs[] = {spec.input.data()};
  for (int i = 0; i < spec.steps; ++i) {
    pcc_step_stats st;
    if (abi.train_step(m, inputs, spec.target.data(), &st)) {
      out.error = lastError(abi, m);
      return out;
    }
    out.losses.push_back(st.loss);
    out.energies.push_back(st.energy);
  }
  if (abi.compute_gradients(m, inputs, spec.target.data(), nullptr)) {
    out.error = lastError(abi, m);
    return out;
  }
  out.params = params(abi, m);
  out.grads = grads(abi, m);
  return out;
}

TEST(AbiModels, ConcurrentTrainingMatchesSequential) {
  REQUIRE_ABI(il());
  const Abi &abi = il();
  const Reference &r = ref();
  // Two different workloads (data and hyperparameters), so that any state
  // shared between models would show.
  RunSpec s1{0.01, 20, 0.1, r.input, r.target, 200};
  RunSpec s2{0.003, 9, 0.2, r.input, r.target, 200};
  for (size_t i = 0; i < s2.input.size(); ++i)
    s2.input[i] = 0.5f - 0.07f * static_cast<float>(i);
  for (size_t i = 0; i < s2.target.size(); ++i)
    s2.target[i] = (i % 2 ? 1.0f : -1.0f) * 0.3f * static_cast<float>(i);

  RunResult seq1, seq2, par1, par2;
  {
    Model a(abi), b(abi);
    seq1 = runTraining(abi, a, s1);
    seq2 = runTraining(abi, b, s2);
  }
  ASSERT_TRUE(seq1.error.empty()) << seq1.error;
  ASSERT_TRUE(seq2.error.empty()) << seq2.error;
  {
    Model a(abi), b(abi);
    pcc_model *pa = a, *pb = b;
    std::atomic<int> arrived{0};
    auto barrier = [&] {
      arrived.fetch_add(1);
      while (arrived.load() < 2)
        std::this_thread::yield();
    };
    std::thread t1([&] { par1 = runTraining(abi, pa, s1, barrier); });
    std::thread t2([&] { par2 = runTraining(abi, pb, s2, barrier); });
    t1.join();
    t2.join();
  }
  ASSERT_TRUE(par1.error.empty()) << par1.error;
  ASSERT_TRUE(par2.error.empty()) << par2.error;

  // Same code on the same data: the results are expected to be bit-identical.
  EXPECT_TRUE(sameBits(seq1.params, par1.params));
  EXPECT_TRUE(sameBits(seq2.params, par2.params));
  EXPECT_TRUE(sameBits(seq1.grads, par1.grads));
  EXPECT_TRUE(sameBits(seq2.grads, par2.grads));
  EXPECT_EQ(seq1.losses, par1.losses);
  EXPECT_EQ(seq2.losses, par2.losses);
  EXPECT_EQ(seq1.energies, par1.energies);
  EXPECT_EQ(seq2.energies, par2.energies);
  // And the two workloads really differed.
  EXPECT_FALSE(sameBits(seq1.params, seq2.params));
}

} // namespace
