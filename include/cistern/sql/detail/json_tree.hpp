#pragma once
/// \file
/// `cistern::sql::detail::json_node` and `parse_json`: a compact reader of the JSON parse
/// trees libpg_query prints (objects, arrays, strings, numbers, true/false/null), so that
/// the parser's answer can be walked without a JSON library in the postgres component.

#include <cistern/error.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cistern::sql::detail {

/// One JSON value. Objects keep their members in document order (libpg_query writes each
/// key once); a missing member reads as a null node.
struct json_node {
    enum class type : std::uint8_t { null, boolean, number, string, array, object };
    type kind = type::null;
    bool flag = false;                                    ///< the value of a boolean
    double number = 0;                                    ///< the value of a number
    std::string text;                                     ///< the value of a string (unescaped)
    std::vector<json_node> items;                         ///< the elements of an array
    std::vector<std::pair<std::string, json_node>> members; ///< the members of an object

    bool is_object() const noexcept { return kind == type::object; }
    bool is_array() const noexcept { return kind == type::array; }
    bool is_string() const noexcept { return kind == type::string; }

    /// The member `key` of an object, or a null node (also when this is not an object).
    const json_node& operator[](std::string_view key) const noexcept {
        for (const auto& [k, v] : members)
            if (k == key) return v;
        return none();
    }
    /// True when this is an object with a member `key`.
    bool has(std::string_view key) const noexcept { return &(*this)[key] != &none(); }
    /// The string value, or "" when this is not a string.
    std::string_view str() const noexcept { return kind == type::string ? std::string_view(text) : std::string_view(); }
    /// A boolean's value; false for anything else (libpg_query omits false members).
    bool truthy() const noexcept { return kind == type::boolean && flag; }

    /// The shared null node returned for missing members.
    static const json_node& none() noexcept {
        static const json_node n;
        return n;
    }
};

/// Reads JSON text; throws query_error naming the offset of the first malformed byte.
class json_reader {
public:
    explicit json_reader(std::string_view text) noexcept : s_(text) {}

    json_node read() {
        json_node root = value(0);
        skip_space();
        if (at_ != s_.size()) fail("text after the value");
        return root;
    }

private:
    static constexpr int max_depth = 10000; // libpg_query's own parser stops far below this

    [[noreturn]] void fail(const char* what) const {
        throw query_error("postgres: malformed parse tree from libpg_query (" + std::string(what) + " at offset " +
                          std::to_string(at_) + ")");
    }
    void skip_space() noexcept {
        while (at_ < s_.size() && (s_[at_] == ' ' || s_[at_] == '\n' || s_[at_] == '\t' || s_[at_] == '\r')) ++at_;
    }
    bool eat(char c) noexcept {
        skip_space();
        if (at_ < s_.size() && s_[at_] == c) {
            ++at_;
            return true;
        }
        return false;
    }
    bool word(std::string_view w) noexcept {
        if (s_.substr(at_, w.size()) != w) return false;
        at_ += w.size();
        return true;
    }

    json_node value(int depth) {
        if (depth > max_depth) fail("nesting too deep");
        skip_space();
        if (at_ >= s_.size()) fail("end of text");
        json_node n;
        const char c = s_[at_];
        if (c == '{') {
            ++at_;
            n.kind = json_node::type::object;
            if (eat('}')) return n;
            do {
                skip_space();
                std::string key = string();
                if (!eat(':')) fail("missing ':'");
                n.members.emplace_back(std::move(key), value(depth + 1));
            } while (eat(','));
            if (!eat('}')) fail("missing '}'");
        } else if (c == '[') {
            ++at_;
            n.kind = json_node::type::array;
            if (eat(']')) return n;
            do n.items.push_back(value(depth + 1));
            while (eat(','));
            if (!eat(']')) fail("missing ']'");
        } else if (c == '"') {
            n.kind = json_node::type::string;
            n.text = string();
        } else if (word("true")) {
            n.kind = json_node::type::boolean;
            n.flag = true;
        } else if (word("false")) {
            n.kind = json_node::type::boolean;
        } else if (word("null")) {
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            const std::size_t b = at_;
            ++at_;
            while (at_ < s_.size() && ((s_[at_] >= '0' && s_[at_] <= '9') || s_[at_] == '.' || s_[at_] == 'e' ||
                                       s_[at_] == 'E' || s_[at_] == '+' || s_[at_] == '-'))
                ++at_;
            n.kind = json_node::type::number;
            try {
                n.number = std::stod(std::string(s_.substr(b, at_ - b)));
            } catch (const std::exception&) {
                fail("bad number");
            }
        } else {
            fail("unexpected character");
        }
        return n;
    }

    static void put_utf8(std::string& out, std::uint32_t cp) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        }
    }
    std::uint32_t hex4() {
        if (at_ + 4 > s_.size()) fail("short \\u escape");
        std::uint32_t v = 0;
        for (int k = 0; k < 4; ++k) {
            const char h = s_[at_++];
            v <<= 4;
            if (h >= '0' && h <= '9') v |= static_cast<std::uint32_t>(h - '0');
            else if (h >= 'a' && h <= 'f') v |= static_cast<std::uint32_t>(h - 'a' + 10);
            else if (h >= 'A' && h <= 'F') v |= static_cast<std::uint32_t>(h - 'A' + 10);
            else fail("bad \\u escape");
        }
        return v;
    }
    std::string string() {
        if (at_ >= s_.size() || s_[at_] != '"') fail("missing '\"'");
        ++at_;
        std::string out;
        for (;;) {
            if (at_ >= s_.size()) fail("unterminated string");
            const char c = s_[at_++];
            if (c == '"') return out;
            if (c != '\\') {
                out += c;
                continue;
            }
            if (at_ >= s_.size()) fail("unterminated escape");
            const char e = s_[at_++];
            switch (e) {
            case '"': out += '"'; break;
            case '\\': out += '\\'; break;
            case '/': out += '/'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'u': {
                std::uint32_t cp = hex4();
                if (cp >= 0xD800 && cp < 0xDC00 && s_.substr(at_, 2) == "\\u") { // surrogate pair
                    at_ += 2;
                    const std::uint32_t lo = hex4();
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                }
                put_utf8(out, cp);
                break;
            }
            default: fail("bad escape");
            }
        }
    }

    std::string_view s_;
    std::size_t at_ = 0;
};

/// Parses `text` as JSON (see json_reader).
inline json_node parse_json(std::string_view text) { return json_reader(text).read(); }

} // namespace cistern::sql::detail
