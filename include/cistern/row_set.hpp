#pragma once
/// \file
/// `cistern::row_set`: a materialized, copyable query result (column names and cells),
/// returned by both adapters' query() and stored by the query cache.

#include <cistern/error.hpp>
#include <cistern/value.hpp>

#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace cistern {

class row_set;

/// Parses "YYYY-MM-DD[ T]HH:MM:SS[.ffffff][Z|+HH[:MM]|-HH[:MM]]" (SQLite's and
/// PostgreSQL's text form) into a UTC time point. Throws query_error on bad text.
inline std::chrono::sys_time<std::chrono::microseconds> parse_timestamp(std::string_view s) {
    auto fail = [&]() -> std::chrono::sys_time<std::chrono::microseconds> {
        throw query_error("not a timestamp: '" + std::string(s) + "'");
    };
    auto num = [&](std::size_t pos, std::size_t len, int& out) {
        if (pos + len > s.size()) return false;
        auto r = std::from_chars(s.data() + pos, s.data() + pos + len, out);
        return r.ec == std::errc{} && r.ptr == s.data() + pos + len;
    };
    int y, mo, d, h = 0, mi = 0, sec = 0;
    if (!num(0, 4, y) || s.size() < 10 || s[4] != '-' || !num(5, 2, mo) || s[7] != '-' || !num(8, 2, d))
        return fail();
    std::size_t pos = 10;
    std::int64_t micros = 0;
    if (pos < s.size() && (s[pos] == ' ' || s[pos] == 'T')) {
        if (!num(pos + 1, 2, h) || s.size() < pos + 9 || s[pos + 3] != ':' || !num(pos + 4, 2, mi) ||
            s[pos + 6] != ':' || !num(pos + 7, 2, sec))
            return fail();
        pos += 9;
        if (pos < s.size() && s[pos] == '.') {
            ++pos;
            int digits = 0;
            while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
                if (digits < 6) { micros = micros * 10 + (s[pos] - '0'); ++digits; }
                ++pos;
            }
            for (; digits < 6; ++digits) micros *= 10;
        }
    }
    std::chrono::minutes offset{0};
    if (pos < s.size()) {
        if (s[pos] == 'Z') {
            ++pos;
        } else if (s[pos] == '+' || s[pos] == '-') {
            int oh = 0, om = 0;
            int sign = s[pos] == '-' ? -1 : 1;
            if (!num(pos + 1, 2, oh)) return fail();
            pos += 3;
            if (pos < s.size() && s[pos] == ':') ++pos;
            if (pos + 2 <= s.size() && num(pos, 2, om)) pos += 2;
            offset = std::chrono::minutes(sign * (oh * 60 + om));
        }
        if (pos != s.size()) return fail();
    }
    using namespace std::chrono;
    year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return fail();
    return sys_days{ymd} + hours{h} + minutes{mi} + seconds{sec} + microseconds{micros} - offset;
}

namespace detail {

template <class T>
T convert_value(const value& v, std::size_t column) {
    auto bad = [&](const char* want) -> T {
        throw query_error("column " + std::to_string(column) + ": cannot read " + to_display_string(v) +
                          " as " + want);
    };
    if constexpr (std::is_same_v<T, value>) {
        return v;
    } else if constexpr (std::is_same_v<T, bool>) {
        if (auto* i = std::get_if<std::int64_t>(&v)) return *i != 0;
        if (auto* s = std::get_if<std::string>(&v)) {
            if (*s == "t" || *s == "true" || *s == "1") return true;
            if (*s == "f" || *s == "false" || *s == "0") return false;
        }
        return bad("bool");
    } else if constexpr (std::is_integral_v<T>) {
        std::int64_t i = 0;
        if (auto* p = std::get_if<std::int64_t>(&v)) {
            i = *p;
        } else if (auto* s = std::get_if<std::string>(&v)) {
            auto r = std::from_chars(s->data(), s->data() + s->size(), i);
            if (r.ec != std::errc{} || r.ptr != s->data() + s->size()) return bad("an integer");
        } else {
            return bad("an integer");
        }
        if (i < static_cast<std::int64_t>(std::numeric_limits<T>::min()) ||
            (i > 0 && static_cast<std::uint64_t>(i) > static_cast<std::uint64_t>(std::numeric_limits<T>::max())))
            return bad("an integer of this width (out of range)");
        return static_cast<T>(i);
    } else if constexpr (std::is_floating_point_v<T>) {
        if (auto* d = std::get_if<double>(&v)) return static_cast<T>(*d);
        if (auto* i = std::get_if<std::int64_t>(&v)) return static_cast<T>(*i);
        if (auto* s = std::get_if<std::string>(&v)) {
            try {
                std::size_t used = 0;
                double d = std::stod(*s, &used);
                if (used == s->size()) return static_cast<T>(d);
            } catch (const std::exception&) {
            }
        }
        return bad("a floating-point number");
    } else if constexpr (std::is_same_v<T, std::string>) {
        if (auto* s = std::get_if<std::string>(&v)) return *s;
        if (auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
        if (auto* d = std::get_if<double>(&v)) return std::to_string(*d);
        return bad("text");
    } else if constexpr (std::is_same_v<T, blob>) {
        if (auto* b = std::get_if<blob>(&v)) return *b;
        if (auto* s = std::get_if<std::string>(&v)) {
            blob out(s->size());
            for (std::size_t k = 0; k < s->size(); ++k) out[k] = static_cast<std::byte>((*s)[k]);
            return out;
        }
        return bad("a blob");
    } else if constexpr (requires { typename T::clock; typename T::duration; } &&
                         std::is_same_v<typename T::clock, std::chrono::system_clock>) {
        if (auto* s = std::get_if<std::string>(&v))
            return std::chrono::time_point_cast<typename T::duration>(parse_timestamp(*s));
        if (auto* i = std::get_if<std::int64_t>(&v)) // unix seconds
            return std::chrono::time_point_cast<typename T::duration>(std::chrono::sys_seconds{std::chrono::seconds{*i}});
        return bad("a timestamp");
    } else {
        static_assert(sizeof(T) == 0, "cistern::row::get<T>: unsupported type");
    }
}

} // namespace detail

/// One row of a row_set (a cheap view; valid while the row_set lives).
class row {
public:
    /// A view of row `index` of `rs`. Precondition: index < rs.size(); `rs` must outlive the row.
    row(const row_set& rs, std::size_t index) noexcept : rs_(&rs), index_(index) {}

    /// The number of cells (the row_set's column_count()).
    std::size_t size() const noexcept;
    /// The raw cell. Throws query_error when `column` is out of range.
    const value& operator[](std::size_t column) const;
    /// The cell by column name. Throws query_error for an unknown name.
    const value& operator[](std::string_view column) const;
    /// True if the cell is SQL NULL. Throws query_error when `column` is out of range.
    bool is_null(std::size_t column) const { return cistern::is_null((*this)[column]); }

    /// The cell converted to T: integers, bool, floating point, std::string, blob,
    /// std::chrono::sys_time<D>, or cistern::value. NULL throws query_error; use
    /// get<std::optional<T>> to accept NULL.
    template <class T>
    T get(std::size_t column) const {
        const value& v = (*this)[column];
        if constexpr (detail::is_optional<T>::value) {
            if (cistern::is_null(v)) return std::nullopt;
            return detail::convert_value<typename T::value_type>(v, column);
        } else {
            if (cistern::is_null(v)) throw query_error("column " + std::to_string(column) + " is NULL");
            return detail::convert_value<T>(v, column);
        }
    }
    /// The cell of the column named `column`, converted as get<T>(std::size_t). Throws
    /// query_error for an unknown name, a NULL (unless T is an optional) or a value that does
    /// not convert to T.
    template <class T>
    T get(std::string_view column) const;

private:
    const row_set* rs_;
    std::size_t index_;
};

/// A materialized query result: column names and a rectangular array of values.
class row_set {
public:
    row_set() = default;
    /// An empty result with these column names, for an adapter to fill.
    explicit row_set(std::vector<std::string> columns) : columns_(std::move(columns)) {}

    // --- building (adapters) ---
    /// Appends one row; `cells` must have exactly column_count() values.
    void add_row(std::vector<value> cells) {
        if (cells.size() != columns_.size())
            throw query_error("row_set::add_row: " + std::to_string(cells.size()) + " cells for " +
                              std::to_string(columns_.size()) + " columns");
        for (auto& c : cells) cells_.push_back(std::move(c));
        ++rows_;
    }
    /// Appends one cell to the row being built; call end_row() after column_count() cells.
    void push_cell(value v) { cells_.push_back(std::move(v)); }
    /// Ends the row being built by push_cell(). Throws query_error unless exactly
    /// column_count() cells were pushed since the previous row.
    void end_row() {
        if (cells_.size() != (rows_ + 1) * columns_.size())
            throw query_error("row_set::end_row: the row does not have column_count() cells");
        ++rows_;
    }
    /// Reserves room for `rows` rows (may throw std::bad_alloc).
    void reserve(std::size_t rows) { cells_.reserve(rows * columns_.size()); }

    // --- reading ---
    /// The number of rows.
    std::size_t size() const noexcept { return rows_; }
    /// True when there are no rows.
    bool empty() const noexcept { return rows_ == 0; }
    /// The number of columns.
    std::size_t column_count() const noexcept { return columns_.size(); }
    /// The column names, in result order.
    const std::vector<std::string>& columns() const noexcept { return columns_; }
    /// The name of column `c`. Throws std::out_of_range when `c` >= column_count().
    const std::string& column_name(std::size_t c) const { return columns_.at(c); }
    /// Index of the first column with this name, if any.
    std::optional<std::size_t> column_index(std::string_view name) const noexcept {
        for (std::size_t i = 0; i < columns_.size(); ++i)
            if (columns_[i] == name) return i;
        return std::nullopt;
    }
    /// The value at row `r`, column `c`. Throws query_error when either is out of range.
    const value& cell(std::size_t r, std::size_t c) const {
        if (r >= rows_ || c >= columns_.size())
            throw query_error("row_set: cell (" + std::to_string(r) + ", " + std::to_string(c) + ") out of range");
        return cells_[r * columns_.size() + c];
    }
    /// Row `r` as a view. Throws query_error when `r` >= size().
    row operator[](std::size_t r) const {
        if (r >= rows_) throw query_error("row_set: row " + std::to_string(r) + " out of range");
        return row(*this, r);
    }
    /// The single value of a one-row, one-column result (e.g. SELECT count(*)).
    template <class T>
    T scalar() const {
        if (rows_ != 1 || columns_.size() != 1)
            throw query_error("row_set::scalar: expected 1x1 result, got " + std::to_string(rows_) + "x" +
                              std::to_string(columns_.size()));
        return row(*this, 0).get<T>(0);
    }
    /// Approximate heap footprint in bytes (for cache weighers).
    std::size_t byte_size() const noexcept {
        std::size_t n = sizeof(*this) + cells_.capacity() * sizeof(value);
        for (auto& c : columns_) n += sizeof(c) + c.capacity();
        for (auto& v : cells_) {
            if (auto* s = std::get_if<std::string>(&v)) n += s->capacity();
            else if (auto* b = std::get_if<blob>(&v)) n += b->capacity();
        }
        return n;
    }

    /// A forward iterator over the rows (yields row views by value).
    class iterator {
    public:
        /// Dereferencing yields a row (a view, by value).
        using value_type = row;
        /// The distance type.
        using difference_type = std::ptrdiff_t;
        /// A singular iterator (only assign to it).
        iterator() = default;
        /// Points at row `i` of `rs`.
        iterator(const row_set* rs, std::size_t i) noexcept : rs_(rs), i_(i) {}
        /// The row pointed at. Precondition: not end().
        row operator*() const noexcept { return row(*rs_, i_); }
        /// Moves to the next row.
        iterator& operator++() noexcept { ++i_; return *this; }
        /// Moves to the next row; returns the previous position.
        iterator operator++(int) noexcept { auto t = *this; ++i_; return t; }
        friend bool operator==(const iterator& a, const iterator& b) noexcept { return a.i_ == b.i_; }
    private:
        const row_set* rs_ = nullptr;
        std::size_t i_ = 0;
    };
    /// An iterator to the first row.
    iterator begin() const noexcept { return {this, 0}; }
    /// The past-the-end iterator.
    iterator end() const noexcept { return {this, rows_}; }

    friend bool operator==(const row_set&, const row_set&) = default;

private:
    friend class row;
    std::vector<std::string> columns_;
    std::vector<value> cells_;
    std::size_t rows_ = 0;
};

inline std::size_t row::size() const noexcept { return rs_->column_count(); }
inline const value& row::operator[](std::size_t column) const { return rs_->cell(index_, column); }
inline const value& row::operator[](std::string_view column) const {
    auto c = rs_->column_index(column);
    if (!c) throw query_error("no column named '" + std::string(column) + "'");
    return rs_->cell(index_, *c);
}
template <class T>
T row::get(std::string_view column) const {
    auto c = rs_->column_index(column);
    if (!c) throw query_error("no column named '" + std::string(column) + "'");
    return get<T>(*c);
}

} // namespace cistern
