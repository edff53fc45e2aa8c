#pragma once
// Test support for the CLI tests: runs the cistern binary with arguments and captures
// its exit code, stdout and stderr.
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

namespace cistern::test {

struct cli_result {
    int rc = -1;
    std::string out, err;
    std::chrono::milliseconds took{};
};

/// Runs `CISTERN_CLI_PATH args` through the shell (args are shell words; quote them), with
/// `env` prepended (e.g. "NO_COLOR=1 DATABASE_URL=..."), stdin from /dev/null.
inline cli_result run_cli(const std::string& args, const std::string& env = "") {
    static int n = 0;
    const std::string base = "/tmp/cistern-cli-test-" + std::to_string(::getpid()) + "-" + std::to_string(++n);
    const std::string cmd = "env " + env + " " + CISTERN_CLI_PATH + std::string(" ") + args + " > " + base + ".out 2> " +
                            base + ".err < /dev/null";
    const auto t0 = std::chrono::steady_clock::now();
    const int st = std::system(cmd.c_str());
    cli_result r;
    r.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
    r.rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    auto slurp = [](const std::string& p) {
        std::ifstream f(p);
        std::stringstream ss;
        ss << f.rdbuf();
        std::remove(p.c_str());
        return ss.str();
    };
    r.out = slurp(base + ".out");
    r.err = slurp(base + ".err");
    return r;
}

/// Runs the shell command `cmd` (e.g. the CLI under script(1)), stdin from /dev/null, and
/// returns what it wrote to stdout.
inline std::string run_cli_raw(const std::string& cmd) {
    static int n = 0;
    const std::string out = "/tmp/cistern-cli-raw-" + std::to_string(::getpid()) + "-" + std::to_string(++n);
    if (std::system((cmd + " > " + out + " 2>&1 < /dev/null").c_str()) == -1) return {};
    std::ifstream f(out);
    std::stringstream ss;
    ss << f.rdbuf();
    std::remove(out.c_str());
    return ss.str();
}

} // namespace cistern::test
