#pragma once
/// \file
/// `cistern::redis::row_set_codec`: query results (cistern::row_set) in a compact binary form.

#include <cistern/redis/value_codec.hpp>
#include <cistern/row_set.hpp>
#include <cistern/value.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cistern::redis {

/// row_set as: column count, names, row count, then each cell as a type byte and its
/// payload (integers zig-zag varints, reals 8 bytes little-endian IEEE, text and blobs a
/// varint length and the bytes). Decoding checks every length against the bytes left, so
/// truncated or corrupt input decodes to nothing, never to a partial result.
struct row_set_codec {
    /// Format version, stored with each value: tier::fetch() reads a value stored with another version as corrupt.
    static constexpr std::uint8_t version = 1;

    /// Appends the encoding of the value to `out`.
    void encode(const row_set& rs, std::string& out) const {
        put_varint(out, rs.column_count());
        for (const auto& c : rs.columns()) put_bytes(out, c);
        put_varint(out, rs.size());
        for (std::size_t r = 0; r < rs.size(); ++r) {
            const row row_r = rs[r];
            for (std::size_t c = 0; c < rs.column_count(); ++c) put_value(out, row_r[c]);
        }
    }

    /// The value encoded in `in`, or nothing when `in` is not a valid encoding.
    std::optional<row_set> decode(std::string_view in) const {
        reader rd{in};
        std::uint64_t ncols = 0;
        if (!rd.varint(ncols) || ncols > rd.left()) return std::nullopt;
        std::vector<std::string> cols;
        cols.reserve(static_cast<std::size_t>(ncols));
        for (std::uint64_t i = 0; i < ncols; ++i) {
            std::string_view s;
            if (!rd.bytes(s)) return std::nullopt;
            cols.emplace_back(s);
        }
        std::uint64_t nrows = 0;
        if (!rd.varint(nrows)) return std::nullopt;
        // every cell takes at least one byte
        if (ncols == 0 ? nrows != 0 : nrows > rd.left() / ncols) return std::nullopt;
        row_set rs(std::move(cols));
        rs.reserve(static_cast<std::size_t>(nrows));
        for (std::uint64_t r = 0; r < nrows; ++r) {
            for (std::uint64_t c = 0; c < ncols; ++c) {
                std::optional<value> v = rd.cell();
                if (!v) return std::nullopt;
                rs.push_cell(std::move(*v));
            }
            rs.end_row();
        }
        if (rd.left() != 0) return std::nullopt;
        return rs;
    }

private:
    enum tag : std::uint8_t { t_null = 0, t_int = 1, t_real = 2, t_text = 3, t_blob = 4 };

    static void put_varint(std::string& out, std::uint64_t v) {
        while (v >= 0x80) {
            out.push_back(static_cast<char>((v & 0x7f) | 0x80));
            v >>= 7;
        }
        out.push_back(static_cast<char>(v));
    }
    static void put_bytes(std::string& out, std::string_view s) {
        put_varint(out, s.size());
        out.append(s);
    }
    static void put_value(std::string& out, const value& v) {
        if (std::holds_alternative<null_t>(v)) {
            out.push_back(static_cast<char>(t_null));
        } else if (auto* i = std::get_if<std::int64_t>(&v)) {
            out.push_back(static_cast<char>(t_int));
            const auto u = static_cast<std::uint64_t>(*i);
            put_varint(out, (u << 1) ^ (*i < 0 ? ~std::uint64_t{0} : 0));
        } else if (auto* d = std::get_if<double>(&v)) {
            out.push_back(static_cast<char>(t_real));
            std::uint64_t bits;
            std::memcpy(&bits, d, 8);
            for (int k = 0; k < 8; ++k) out.push_back(static_cast<char>((bits >> (8 * k)) & 0xff));
        } else if (auto* s = std::get_if<std::string>(&v)) {
            out.push_back(static_cast<char>(t_text));
            put_bytes(out, *s);
        } else if (auto* b = std::get_if<blob>(&v)) {
            out.push_back(static_cast<char>(t_blob));
            put_bytes(out, std::string_view(reinterpret_cast<const char*>(b->data()), b->size()));
        }
    }

    struct reader {
        std::string_view in;
        std::size_t pos = 0;
        std::size_t left() const noexcept { return in.size() - pos; }
        bool varint(std::uint64_t& v) {
            v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= in.size()) return false;
                const auto b = static_cast<std::uint8_t>(in[pos++]);
                v |= std::uint64_t{b & 0x7fu} << shift;
                if (!(b & 0x80)) return true;
            }
            return false;
        }
        bool bytes(std::string_view& s) {
            std::uint64_t n = 0;
            if (!varint(n) || n > left()) return false;
            s = in.substr(pos, static_cast<std::size_t>(n));
            pos += static_cast<std::size_t>(n);
            return true;
        }
        std::optional<value> cell() {
            if (pos >= in.size()) return std::nullopt;
            const auto t = static_cast<std::uint8_t>(in[pos++]);
            switch (t) {
            case t_null: return value{null};
            case t_int: {
                std::uint64_t z = 0;
                if (!varint(z)) return std::nullopt;
                return value{static_cast<std::int64_t>((z >> 1) ^ (~(z & 1) + 1))};
            }
            case t_real: {
                if (left() < 8) return std::nullopt;
                std::uint64_t bits = 0;
                for (int k = 0; k < 8; ++k) bits |= std::uint64_t{static_cast<std::uint8_t>(in[pos + k])} << (8 * k);
                pos += 8;
                double d;
                std::memcpy(&d, &bits, 8);
                return value{d};
            }
            case t_text: {
                std::string_view s;
                if (!bytes(s)) return std::nullopt;
                return value{std::string(s)};
            }
            case t_blob: {
                std::string_view s;
                if (!bytes(s)) return std::nullopt;
                blob b(s.size());
                if (!s.empty()) std::memcpy(b.data(), s.data(), s.size());
                return value{std::move(b)};
            }
            default: return std::nullopt;
            }
        }
    };
};

static_assert(detail::check_value_codec<row_set_codec, row_set>());

} // namespace cistern::redis
