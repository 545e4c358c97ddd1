//===- QueryTest.cpp - tests of the query ABI (pcc_infer, pcc_train_query) ===//
//
// Loads the tiny model (make_tiny_model.py: x[4,3] -> Linear(3,5) -> ReLU
// -> Linear(5,2) -> y[4,2]) compiled with and without --queries=on and
// checks the query entry points from C: nothing free is the training
// relaxation, infer changes no parameter, momentum changes the relaxation,
// and every bad query fails with a message naming the problem, leaving the
// parameters as they were. The relaxation's numbers against torch are
// checked by test/python/test_queries.py.
//
//   PCC_TEST_TINY_QUERY_SO  pcc tiny.onnx --algorithm=il --queries=on
//   PCC_TEST_TINY_IL_SO     pcc tiny.onnx --algorithm=il (no queries)
//
//===----------------------------------------------------------------------===//

#include "pcc/pcc.h"

#include <gtest/gtest.h>

#include <dlfcn.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#ifndef PCC_TEST_TINY_QUERY_SO
#define PCC_TEST_TINY_QUERY_SO "tiny_q.so"
#endif
#ifndef PCC_TEST_TINY_IL_SO
#define PCC_TEST_TINY_IL_SO "tiny_il.so"
#endif

namespace {

constexpr int kBatch = 4, kIn = 3, kOut = 2;

struct QueryAbi {
  void *handle = nullptr;
  std::string error;
  decltype(&::pcc_create) create = nullptr;
  decltype(&::pcc_destroy) destroy = nullptr;
  decltype(&::pcc_compute_gradients) compute_gradients = nullptr;
  decltype(&::pcc_num_params) num_params = nullptr;
  decltype(&::pcc_param_data) param_data = nullptr;
  decltype(&::pcc_param_grad) param_grad = nullptr;
  decltype(&::pcc_param_shape) param_shape = nullptr;
  decltype(&::pcc_param_rank) param_rank = nullptr;
  decltype(&::pcc_last_error) last_error = nullptr;
  decltype(&::pcc_infer) infer = nullptr;
  decltype(&::pcc_train_query) train_query = nullptr;
  decltype(&::pcc_num_hidden) num_hidden = nullptr;
  decltype(&::pcc_hidden_name) hidden_name = nullptr;
  decltype(&::pcc_hidden_rank) hidden_rank = nullptr;
  decltype(&::pcc_hidden_shape) hidden_shape = nullptr;

  template <typename F> void bind(F &fn, const char *name) {
    void *p = handle ? dlsym(handle, name) : nullptr;
    if (!p)
      error += std::string(error.empty() ? "missing: " : ", ") + name;
    fn = reinterpret_cast<F>(p);
  }
};

QueryAbi load(const char *path) {
  QueryAbi a;
  a.handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!a.handle) {
    const char *e = dlerror();
    a.error = std::string("dlopen(") + path + "): " + (e ? e : "?");
    return a;
  }
  a.bind(a.create, "pcc_create");
  a.bind(a.destroy, "pcc_destroy");
  a.bind(a.compute_gradients, "pcc_compute_gradients");
  a.bind(a.num_params, "pcc_num_params");
  a.bind(a.param_data, "pcc_param_data");
  a.bind(a.param_grad, "pcc_param_grad");
  a.bind(a.param_shape, "pcc_param_shape");
  a.bind(a.param_rank, "pcc_param_rank");
  a.bind(a.last_error, "pcc_last_error");
  a.bind(a.infer, "pcc_infer");
  a.bind(a.train_query, "pcc_train_query");
  a.bind(a.num_hidden, "pcc_num_hidden");
  a.bind(a.hidden_name, "pcc_hidden_name");
  a.bind(a.hidden_rank, "pcc_hidden_rank");
  a.bind(a.hidden_shape, "pcc_hidden_shape");
  return a;
}

const QueryAbi &queries() {
  static QueryAbi a = load(PCC_TEST_TINY_QUERY_SO);
  return a;
}

int64_t paramSize(const QueryAbi &a, int64_t i) {
  int64_t n = 1;
  for (int64_t d = 0; d < a.param_rank(i); ++d)
    n *= a.param_shape(i)[d];
  return n;
}

/// A copy of every parameter's (or, with `gradients`, every gradient's)
/// elements.
std::vector<std::vector<float>> copies(const QueryAbi &a, pcc_model *m,
                                       bool gradients) {
  std::vector<std::vector<float>> out;
  for (int64_t i = 0; i < a.num_params(); ++i) {
    const float *p = gradients ? a.param_grad(m, i) : a.param_data(m, i);
    out.emplace_back(p, p + paramSize(a, i));
  }
  return out;
}
std::vector<std::vector<float>> params(const QueryAbi &a, pcc_model *m) {
  return copies(a, m, /*gradients=*/false);
}
std::vector<std::vector<float>> grads(const QueryAbi &a, pcc_model *m) {
  return copies(a, m, /*gradients=*/true);
}

/// A model and a query on the fixed input and target.
struct Query : ::testing::Test {
  const QueryAbi &a = queries();
  pcc_model *m = nullptr;
  std::vector<float> x, t, relaxed, out;
  const float *inputs[1];
  float *relaxedPtrs[1];
  pcc_query q{};

  void SetUp() override {
    ASSERT_TRUE(a.error.empty()) << a.error;
    m = a.create();
    ASSERT_NE(m, nullptr);
    for (int i = 0; i < kBatch * kIn; ++i)
      x.push_back(0.1f * i - 0.5f);
    for (int i = 0; i < kBatch * kOut; ++i)
      t.push_back(0.25f * (i % 3) - 0.2f);
    relaxed.assign(x.size(), 0.0f);
    out.assign(t.size(), 0.0f);
    inputs[0] = x.data();
    relaxedPtrs[0] = relaxed.data();
    q.inputs = inputs;
    q.target = t.data();
  }
  void TearDown() override {
    if (m)
      a.destroy(m);
  }
  int infer() { return a.infer(m, &q, relaxedPtrs, out.data(), nullptr); }
  /// Runs the query, expects it to fail with a message containing `what`
  /// and the parameters to be unchanged.
  void expectRefused(const std::string &what, bool update = false) {
    auto before = params(a, m);
    pcc_step_stats s{};
    int rc = (update ? a.train_query : a.infer)(m, &q, relaxedPtrs,
                                                out.data(), &s);
    EXPECT_NE(rc, 0) << "accepted; expected an error naming " << what;
    std::string msg = a.last_error(m);
    EXPECT_NE(msg.find(what), std::string::npos) << msg;
    EXPECT_EQ(params(a, m), before);
  }
};

TEST_F(Query, HiddenTensorsHaveNamesAndShapes) {
  ASSERT_GE(a.num_hidden(), 2); // at least fc1's output and the ReLU
  for (int64_t i = 0; i < a.num_hidden(); ++i) {
    ASSERT_NE(a.hidden_name(i), nullptr);
    EXPECT_GT(std::strlen(a.hidden_name(i)), 0u);
    ASSERT_EQ(a.hidden_rank(i), 2);
    EXPECT_EQ(a.hidden_shape(i)[0], kBatch);
    EXPECT_EQ(a.hidden_shape(i)[1], 5);
  }
  EXPECT_EQ(a.hidden_name(a.num_hidden()), nullptr);
  EXPECT_EQ(a.hidden_name(-1), nullptr);
}

TEST_F(Query, NothingFreeIsTheTrainingRelaxation) {
  pcc_step_stats want{}, got{};
  ASSERT_EQ(a.compute_gradients(m, inputs, t.data(), &want), 0)
      << a.last_error(m);
  auto wantGrads = grads(a, m);
  ASSERT_EQ(a.infer(m, &q, relaxedPtrs, out.data(), &got), 0)
      << a.last_error(m);
  EXPECT_EQ(got.steps, want.steps);
  EXPECT_FLOAT_EQ(got.loss, want.loss);
  EXPECT_NEAR(got.energy, want.energy, 1e-6f * std::fabs(want.energy));
  auto gotGrads = grads(a, m);
  for (size_t i = 0; i < wantGrads.size(); ++i)
    for (size_t k = 0; k < wantGrads[i].size(); ++k)
      EXPECT_NEAR(gotGrads[i][k], wantGrads[i][k], 1e-6f)
          << "param " << i << " element " << k;
  EXPECT_EQ(relaxed, x); // a clamped input stays where it is
  EXPECT_EQ(out, t);     // an observed output is the target
}

TEST_F(Query, InferChangesNoParameterAndTrainQueryLearns) {
  std::vector<float> freeMask(x.size(), 1.0f);
  const float *free[1] = {freeMask.data()};
  q.free_inputs = free;
  auto before = params(a, m);
  ASSERT_EQ(infer(), 0) << a.last_error(m);
  EXPECT_EQ(params(a, m), before);
  EXPECT_NE(relaxed, x); // the free input moved
  ASSERT_EQ(a.train_query(m, &q, relaxedPtrs, out.data(), nullptr), 0)
      << a.last_error(m);
  EXPECT_NE(params(a, m), before);
}

TEST_F(Query, MomentumChangesTheRelaxationAndZeroIsTheDefault) {
  std::vector<float> freeMask(x.size(), 1.0f);
  const float *free[1] = {freeMask.data()};
  q.free_inputs = free;
  q.steps = 30;
  ASSERT_EQ(infer(), 0) << a.last_error(m);
  std::vector<float> plain = relaxed;
  q.momentum = 0.8;
  ASSERT_EQ(infer(), 0) << a.last_error(m);
  std::vector<float> heavy = relaxed;
  q.momentum = 0.0;
  ASSERT_EQ(infer(), 0) << a.last_error(m);
  EXPECT_EQ(relaxed, plain);
  float largest = 0;
  for (size_t i = 0; i < plain.size(); ++i)
    largest = std::max(largest, std::fabs(plain[i] - heavy[i]));
  EXPECT_GT(largest, 1e-4f);
}

TEST_F(Query, NullAndUnqueriedLibrariesAreRefused) {
  EXPECT_NE(a.infer(nullptr, &q, relaxedPtrs, out.data(), nullptr), 0);
  EXPECT_NE(a.infer(m, nullptr, relaxedPtrs, out.data(), nullptr), 0);
  EXPECT_NE(std::string(a.last_error(m)).find("query is NULL"),
            std::string::npos)
      << a.last_error(m);
  QueryAbi plain = load(PCC_TEST_TINY_IL_SO);
  ASSERT_TRUE(plain.error.empty()) << plain.error;
  pcc_model *pm = plain.create();
  EXPECT_NE(plain.infer(pm, &q, relaxedPtrs, out.data(), nullptr), 0);
  EXPECT_NE(std::string(plain.last_error(pm)).find("--queries=on"),
            std::string::npos)
      << plain.last_error(pm);
  EXPECT_EQ(plain.num_hidden(), 0);
  plain.destroy(pm);
}

TEST_F(Query, BadMasksAreNamed) {
  std::vector<float> half(x.size(), 0.5f);
  const float *free[1] = {half.data()};
  q.free_inputs = free;
  expectRefused("free_inputs[0]");
  q.free_inputs = nullptr;
  std::vector<float> bad(t.size(), 2.0f);
  q.target_mask = bad.data();
  expectRefused("target_mask");
  std::vector<float> ones(t.size(), 1.0f);
  q.target_mask = ones.data();
  q.target = nullptr;
  expectRefused("target is NULL", /*update=*/true);
}

TEST_F(Query, BadClampsAreNamed) {
  std::vector<float> value(kBatch * 5, 0.0f);
  const char *unknown[1] = {"no_such_tensor"};
  const float *values[1] = {value.data()};
  q.num_clamps = 1;
  q.clamp_names = unknown;
  q.clamp_values = values;
  expectRefused("no hidden tensor named 'no_such_tensor'");
  // The message lists what can be clamped.
  EXPECT_NE(std::string(a.last_error(m)).find(a.hidden_name(0)),
            std::string::npos);
  const char *twice[2] = {a.hidden_name(0), a.hidden_name(0)};
  const float *twoValues[2] = {value.data(), value.data()};
  q.num_clamps = 2;
  q.clamp_names = twice;
  q.clamp_values = twoValues;
  expectRefused("clamped twice");
  const char *one[1] = {a.hidden_name(0)};
  const float *nullValue[1] = {nullptr};
  q.num_clamps = 1;
  q.clamp_names = one;
  q.clamp_values = nullValue;
  expectRefused("clamp_values[0]");
  q.num_clamps = -1;
  expectRefused("num_clamps is -1");
}

TEST_F(Query, BadStepsRateAndMomentumAreNamed) {
  q.steps = -3;
  expectRefused("steps is -3");
  q.steps = 0;
  q.rate = std::numeric_limits<double>::quiet_NaN();
  expectRefused("rate is nan");
  q.rate = -0.1;
  expectRefused("rate is -0.1");
  q.rate = 0;
  for (double bad : {1.0, -0.5, std::numeric_limits<double>::infinity()}) {
    q.momentum = bad;
    expectRefused("momentum is", /*update=*/true);
  }
}

} // namespace
