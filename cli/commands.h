// The subcommands of the `rebate` tool. Each registers its options on the CLI11 app and returns the
// function that runs it; main.cpp only wires them together.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace rebate::cli {

// Exit codes of every subcommand (a contract with CI scripts).
inline constexpr int kExitOk = 0;
inline constexpr int kExitErrors = 1;
inline constexpr int kExitUsage = 2;

std::function<int()> add_check_command(CLI::App& app);
std::function<int()> add_run_command(CLI::App& app);
std::function<int()> add_explain_command(CLI::App& app);
std::function<int()> add_test_command(CLI::App& app);
std::function<int()> add_lsp_command(CLI::App& app);
std::function<int()> add_diff_command(CLI::App& app);
std::function<int()> add_fmt_command(CLI::App& app);
std::function<int()> add_compile_command(CLI::App& app);
std::function<int()> add_forecast_command(CLI::App& app);

}  // namespace rebate::cli
