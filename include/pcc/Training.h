//===- Training.h - the choices that make a training library ---*- C++ -*-===//
//
// The learning algorithm, loss, nudge mode, optimizer, relaxation schedule
// and vertex kind, as enums with one table of names each. The driver parses
// its flags with these tables, the pipeline hands the enums to the passes
// (whose textual options are parsed with the same tables), and the glue and
// the signature print the names back, so no layer compares names itself.
// Header-only and free of MLIR, for the runtime glue and the passes alike.
//
//===----------------------------------------------------------------------===//
#ifndef PCC_TRAINING_H
#define PCC_TRAINING_H

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace pcc {

enum class Algorithm { IL, FPA, ZIL, BP, EPC, IPC };
enum class Loss { MSE, CE };
enum class LossReduction { Mean, Sum };
enum class NudgeMode { None, Positive, Negative, Centered };
enum class Optimizer { SGD, Adam };
enum class Schedule { Parallel, Reverse };
enum class Vertices { Op, Layer };

/// The names of a kind's values, in the order help and errors list them.
template <typename Kind> struct Names;
template <> struct Names<Algorithm> {
  static constexpr std::pair<Algorithm, const char *> table[] = {
      {Algorithm::IL, "il"},   {Algorithm::FPA, "fpa"},
      {Algorithm::ZIL, "zil"}, {Algorithm::BP, "bp"},
      {Algorithm::EPC, "epc"}, {Algorithm::IPC, "ipc"}};
};
template <> struct Names<Loss> {
  static constexpr std::pair<Loss, const char *> table[] = {{Loss::MSE, "mse"},
                                                            {Loss::CE, "ce"}};
};
template <> struct Names<LossReduction> {
  static constexpr std::pair<LossReduction, const char *> table[] = {
      {LossReduction::Mean, "mean"}, {LossReduction::Sum, "sum"}};
};
template <> struct Names<NudgeMode> {
  static constexpr std::pair<NudgeMode, const char *> table[] = {
      {NudgeMode::None, "none"},
      {NudgeMode::Positive, "positive"},
      {NudgeMode::Negative, "negative"},
      {NudgeMode::Centered, "centered"}};
};
template <> struct Names<Optimizer> {
  static constexpr std::pair<Optimizer, const char *> table[] = {
      {Optimizer::SGD, "sgd"}, {Optimizer::Adam, "adam"}};
};
template <> struct Names<Schedule> {
  static constexpr std::pair<Schedule, const char *> table[] = {
      {Schedule::Parallel, "parallel"}, {Schedule::Reverse, "reverse"}};
};
template <> struct Names<Vertices> {
  static constexpr std::pair<Vertices, const char *> table[] = {
      {Vertices::Op, "op"}, {Vertices::Layer, "layer"}};
};

template <typename Kind> const char *nameOf(Kind value) {
  for (const auto &[v, name] : Names<Kind>::table)
    if (v == value)
      return name;
  return "?";
}

template <typename Kind> std::optional<Kind> parseName(std::string_view s) {
  for (const auto &[v, name] : Names<Kind>::table)
    if (s == name)
      return v;
  return std::nullopt;
}

/// "il, fpa, zil, bp, epc or ipc": the names, for error messages.
template <typename Kind> std::string choicesOf() {
  std::string out;
  constexpr size_t n = std::size(Names<Kind>::table);
  for (size_t i = 0; i < n; ++i) {
    if (i)
      out += i + 1 == n ? " or " : ", ";
    out += Names<Kind>::table[i].second;
  }
  return out;
}

/// A nudge scales the output error of a relaxation that recomputes the
/// predictions; with them held (fpa, zil) it changes nothing, and bp does
/// not relax.
constexpr bool takesNudge(Algorithm a) {
  return a == Algorithm::IL || a == Algorithm::EPC || a == Algorithm::IPC;
}
/// A centered nudge runs two relaxations from the same parameters, which
/// ipc moves during its relaxation.
constexpr bool takesCenteredNudge(Algorithm a) {
  return takesNudge(a) && a != Algorithm::IPC;
}
/// A sweep in reverse order needs the predictions held.
constexpr bool takesReverseSchedule(Algorithm a) {
  return a == Algorithm::FPA;
}
/// The relaxation step size when none is given: epc's fixed-point
/// iteration converges in a few steps at 0.5, where 0.1 leaves 0.9^T of
/// the start.
constexpr double defaultInferenceRate(Algorithm a) {
  return a == Algorithm::EPC ? 0.5 : 0.1;
}

} // namespace pcc

#endif
