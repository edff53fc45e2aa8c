#pragma once
/// \file
/// `cistern::redis::factory`: creates Redis connections (a cistern ConnectionFactory).

#include <cistern/concepts.hpp>
#include <cistern/redis/connection.hpp>
#include <cistern/redis/options.hpp>
#include <cistern/redis/parse_url.hpp>

#include <string>
#include <string_view>
#include <utility>

namespace cistern::redis {

/// Creates connections to one Redis server. Models cistern::ConnectionFactory.
/// Options are validated at construction (config_error).
class factory {
public:
    /// From options.
    explicit factory(options o) : opts_(std::move(o)) { opts_.validate(); }
    /// From a URL (see parse_url), with `base` for timeouts and key prefix.
    explicit factory(std::string_view url, options base = {}) : factory(parse_url(url, std::move(base))) {}

    /// Opens a new connection; throws connect_error on failure.
    connection create() { return connection(opts_); }
    /// `redis://user:***@host:port/db` or `unix:/path?db=N`: never the password.
    std::string describe() const { return opts_.describe(); }
    /// The options every created connection uses.
    const options& opts() const noexcept { return opts_; }

private:
    options opts_;
};

static_assert(cistern::detail::check_connection_factory<factory>());

} // namespace cistern::redis
