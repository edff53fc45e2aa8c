#include "progress.hpp"

#include "common.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <iostream>
#include <unistd.h>

namespace cistern::cli {

namespace {
bool json_output() {
    std::string f = globals().format;
    for (auto& ch : f) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return f == "json";
}
} // namespace

progress_bar::progress_bar(std::string label, double total, std::chrono::milliseconds delay)
    : label_(std::move(label)), total_(total > 0 ? total : 1), start_(std::chrono::steady_clock::now()), delay_(delay),
      enabled_(!globals().quiet && !json_output() && ::isatty(STDERR_FILENO) == 1),
      color_(enabled_ && !globals().no_color && !(std::getenv("NO_COLOR") && *std::getenv("NO_COLOR"))) {}

progress_bar::~progress_bar() {
    if (drawn_ && !finished_) std::cerr << "\n" << std::flush;
}

void progress_bar::update(double done, std::string_view label) {
    if (!enabled_ || finished_) return;
    if (!label.empty()) label_ = label;
    const auto now = std::chrono::steady_clock::now();
    if (now - start_ < delay_ || (drawn_ && now - last_ < std::chrono::milliseconds(100))) return;
    last_ = now;
    draw(done);
}

void progress_bar::finish() {
    if (!enabled_ || finished_) return;
    if (drawn_) {
        draw(total_);
        std::cerr << "\n" << std::flush;
    }
    finished_ = true;
}

void progress_bar::draw(double done) {
    const double f = std::clamp(done / total_, 0.0, 1.0);
    constexpr int width = 30;
    const int n = static_cast<int>(f * width);
    std::string text = label_;
    if (text.size() > 40) text = text.substr(0, 39) + "~";
    // \r and erase-to-end-of-line: the bar redraws in place
    std::cerr << "\r\x1b[K" << text << " [" << (color_ ? "\x1b[32m" : "") << std::string(static_cast<std::size_t>(n), '#')
              << (color_ ? "\x1b[0m" : "") << std::string(static_cast<std::size_t>(width - n), ' ') << "] "
              << static_cast<int>(f * 100) << "%" << std::flush;
    drawn_ = true;
}

} // namespace cistern::cli
