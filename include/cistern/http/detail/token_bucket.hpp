#pragma once
/// \file
/// detail::token_bucket: the dashboard's request rate limit.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <mutex>

namespace cistern::http::detail {

/// `rate` tokens per second up to `burst`; try_take() takes one if there is one.
class token_bucket {
public:
    token_bucket(double rate, std::size_t burst)
        : rate_(rate), burst_(static_cast<double>(burst)), tokens_(static_cast<double>(burst)),
          last_(std::chrono::steady_clock::now()) {}

    bool try_take(std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now()) {
        std::lock_guard lk(mu_);
        const double dt = std::chrono::duration<double>(now - last_).count();
        if (dt > 0) {
            tokens_ = std::min(burst_, tokens_ + dt * rate_);
            last_ = now;
        }
        if (tokens_ < 1.0) return false;
        tokens_ -= 1.0;
        return true;
    }

private:
    std::mutex mu_;
    double rate_, burst_, tokens_;
    std::chrono::steady_clock::time_point last_;
};

} // namespace cistern::http::detail
