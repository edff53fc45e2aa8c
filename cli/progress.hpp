#pragma once
// A progress bar on stderr for the CLI's long operations (data generation, load test phases,
// moving rows, applying a plan). Drawn only when stderr is a terminal, never with --quiet or
// --format json, and only once the operation has run for `delay` (default 1 s): quick work
// prints nothing. Colour only when allowed (--no-color and NO_COLOR turn it off).
#include <chrono>
#include <string>
#include <string_view>

namespace cistern::cli {

class progress_bar {
public:
    /// A bar for `total` units of work (e.g. rows, statements, seconds); `label` is shown before it.
    explicit progress_bar(std::string label, double total, std::chrono::milliseconds delay = std::chrono::seconds(1));
    progress_bar(const progress_bar&) = delete;
    progress_bar& operator=(const progress_bar&) = delete;
    /// Ends the line if anything was drawn.
    ~progress_bar();

    /// `done` of `total` units are done; `label` replaces the label when not empty. Redraws at
    /// most every 100 ms.
    void update(double done, std::string_view label = {});
    /// All done: draws the full bar (when drawing) and ends the line.
    void finish();
    /// True when this bar draws at all (stderr a terminal, not --quiet, not --format json).
    bool enabled() const noexcept { return enabled_; }

private:
    void draw(double done);

    std::string label_;
    double total_;
    std::chrono::steady_clock::time_point start_, last_{};
    std::chrono::milliseconds delay_;
    bool enabled_, color_, drawn_ = false, finished_ = false;
};

} // namespace cistern::cli
