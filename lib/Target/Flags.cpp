//===- Flags.cpp - driver flags into CompileOptions, validated once -------===//
//
// The pcc driver and the Python module both set options through setFlag, so
// a bad value gets the same message, naming the flag, from either.
//
//===----------------------------------------------------------------------===//
#include "pcc/Target/Compiler.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/StringSwitch.h"

#include <cmath>
#include <cstdlib>
#include <optional>

using namespace pcc;
using llvm::StringRef;

namespace {

bool parseDouble(const std::string &s, double &v) {
  char *end = nullptr;
  v = std::strtod(s.c_str(), &end);
  return !s.empty() && end && *end == '\0' && std::isfinite(v);
}

bool parseInt(const std::string &s, int64_t &v) {
  char *end = nullptr;
  errno = 0;
  long long r = std::strtoll(s.c_str(), &end, 10);
  v = r;
  return !s.empty() && end && *end == '\0' && errno == 0;
}

bool isIdentifier(StringRef s) {
  if (s.empty() || !(llvm::isAlpha(s[0]) || s[0] == '_'))
    return false;
  return llvm::all_of(s, [](char c) { return llvm::isAlnum(c) || c == '_'; });
}

int bad(std::string &error, const std::string &message) {
  error = message;
  return 1;
}

/// A flag whose values are the names of a kind (pcc/Training.h).
template <typename Kind>
int setKind(Kind &slot, const std::string &flag, const std::string &value,
            std::string &error) {
  std::optional<Kind> parsed = parseName<Kind>(value);
  if (!parsed)
    return bad(error, "--" + flag + " must be " + choicesOf<Kind>() +
                          ", got '" + value + "'");
  slot = *parsed;
  return 0;
}

int setInputShape(CompileOptions &o, const std::string &spec,
                  std::string &error) {
  size_t colon = spec.rfind(':');
  std::string name = colon == std::string::npos ? "" : spec.substr(0, colon);
  std::vector<int64_t> dims;
  bool ok = !name.empty() && colon + 1 < spec.size();
  for (StringRef rest = ok ? StringRef(spec).substr(colon + 1) : "";
       ok && !rest.empty();) {
    auto [dim, tail] = rest.split(',');
    int64_t d;
    ok = parseInt(dim.str(), d) && d >= 1;
    dims.push_back(d);
    rest = tail;
  }
  if (!ok)
    return bad(error, "--input-shape must be NAME:d0,d1,... with positive "
                      "dimensions, got '" +
                          spec + "'");
  if (!o.inputShapes.emplace(name, dims).second)
    return bad(error, "--input-shape gives input '" + name + "' twice");
  return 0;
}

} // namespace

const char *const pcc::kCompileFlags[] = {"algorithm",
                                          "loss",
                                          "loss-reduction",
                                          "vertices",
                                          "nudge-mode",
                                          "nudge",
                                          "schedule",
                                          "inference-steps",
                                          "inference-rate",
                                          "learning-rate",
                                          "optimizer",
                                          "batch",
                                          "input-shape",
                                          "freeze",
                                          "output",
                                          "queries",
                                          "prefix",
                                          "emit",
                                          "O",
                                          "mcpu",
                                          "mtriple",
                                          nullptr};

int pcc::setFlag(CompileOptions &o, const std::string &flag,
                 const std::string &value, std::string &error) {
  if (flag == "algorithm") {
    return setKind(o.pc.algorithm, flag, value, error);
  } else if (flag == "loss") {
    return setKind(o.pc.loss, flag, value, error);
  } else if (flag == "loss-reduction") {
    return setKind(o.pc.lossReduction, flag, value, error);
  } else if (flag == "vertices") {
    return setKind(o.pc.vertices, flag, value, error);
  } else if (flag == "nudge-mode") {
    return setKind(o.pc.nudgeMode, flag, value, error);
  } else if (flag == "schedule") {
    return setKind(o.pc.schedule, flag, value, error);
  } else if (flag == "nudge") {
    double beta;
    if (!parseDouble(value, beta) || !(beta > 0) || !std::isfinite(beta))
      return bad(error,
                 "--nudge must be a positive number, got '" + value + "'");
    o.nudge = beta;
  } else if (flag == "inference-steps") {
    if (!parseInt(value, o.inferenceSteps) || o.inferenceSteps < 1 ||
        o.inferenceSteps > 1000000000)
      return bad(error, "--inference-steps must be a whole number from 1 to "
                        "1e9, got '" +
                            value + "'");
  } else if (flag == "inference-rate") {
    double rate;
    if (!parseDouble(value, rate) || !(rate > 0) || !std::isfinite(rate))
      return bad(error, "--inference-rate must be a positive number, got '" +
                            value + "'");
    o.inferenceRate = rate;
  } else if (flag == "learning-rate") {
    if (!parseDouble(value, o.learningRate) || o.learningRate < 0)
      return bad(error, "--learning-rate must be a non-negative number, got '" +
                            value + "'");
  } else if (flag == "optimizer") {
    return setKind(o.pc.optimizer, flag, value, error);
  } else if (flag == "batch") {
    if (!parseInt(value, o.batch) || o.batch < 0)
      return bad(error, "--batch must be a whole number (0 keeps the "
                        "model's), got '" +
                            value + "'");
  } else if (flag == "input-shape") {
    return setInputShape(o, value, error);
  } else if (flag == "freeze") {
    for (StringRef rest = value; !rest.empty();) {
      auto [name, tail] = rest.split(',');
      if (name.empty())
        return bad(error, "--freeze has an empty name");
      o.freeze.push_back(name.str());
      rest = tail;
    }
    if (value.empty())
      return bad(error, "--freeze has an empty name");
  } else if (flag == "queries") {
    if (value != "on" && value != "off")
      return bad(error, "--queries must be on or off, got '" + value + "'");
    o.pc.queries = value == "on";
  } else if (flag == "output") {
    o.modelOutput = value;
  } else if (flag == "prefix") {
    if (!isIdentifier(value))
      return bad(error, "--prefix must be a C identifier, got '" + value + "'");
    o.prefix = value;
  } else if (flag == "emit") {
    std::optional<EmitKind> kind =
        llvm::StringSwitch<std::optional<EmitKind>>(value)
            .Case("pc", EmitKind::PC)
            .Case("pc-train", EmitKind::PCTrain)
            .Case("linalg", EmitKind::Linalg)
            .Case("llvm-dialect", EmitKind::LLVMDialect)
            .Case("llvm-ir", EmitKind::LLVMIR)
            .Case("obj", EmitKind::Obj)
            .Case("lib", EmitKind::Lib)
            .Case("header", EmitKind::Header)
            .Case("onnx", EmitKind::Onnx)
            .Default(std::nullopt);
    if (!kind)
      return bad(error, "--emit must be one of pc, pc-train, linalg, "
                        "llvm-dialect, llvm-ir, obj, lib, header, onnx; got '" +
                            value + "'");
    o.emit = *kind;
  } else if (flag == "O") {
    int64_t level;
    if (!parseInt(value, level) || level < 0 || level > 3)
      return bad(error, "-O must be 0, 1, 2 or 3, got '" + value + "'");
    o.optLevel = static_cast<unsigned>(level);
  } else if (flag == "checkpoint") {
    if (value.empty())
      return bad(error, "--checkpoint needs a file");
    o.checkpoint = value;
  } else if (flag == "mcpu") {
    o.mcpu = value;
  } else if (flag == "mtriple") {
    o.mtriple = value;
  } else {
    std::string known;
    for (const char *const *f = kCompileFlags; *f; ++f)
      known += std::string(known.empty() ? "" : ", ") + *f;
    return bad(error,
               "unknown option '" + flag + "' (expected one of " + known + ")");
  }
  return 0;
}
