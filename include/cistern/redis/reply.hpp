#pragma once
/// \file
/// `cistern::redis::reply`: one Redis reply, copied out of hiredis' reply object.

#include <cstdint>
#include <string>
#include <vector>

namespace cistern::redis {

/// A RESP2 reply: a bulk string, an array, an integer, nil, a status or an error.
struct reply {
    /// The reply's RESP2 type.
    enum class kind : std::uint8_t { string, array, integer, nil, status, error };
    kind type = kind::nil;      ///< which of the members below holds the reply
    std::int64_t integer = 0;   ///< for kind::integer
    std::string str{};          ///< for string, status and error
    std::vector<reply> elements{}; ///< for kind::array

    bool is_nil() const noexcept { return type == kind::nil; }       ///< type is kind::nil
    bool is_error() const noexcept { return type == kind::error; }   ///< type is kind::error
    bool is_string() const noexcept { return type == kind::string; } ///< type is kind::string
};

} // namespace cistern::redis
