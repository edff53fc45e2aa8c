#pragma once
/// \file
/// `cistern::report::text_renderer`: a document as aligned human-readable text.

#include <cistern/report/document.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <string>
#include <vector>

namespace cistern::report {

/// How text_renderer lays a document out.
struct text_options {
    bool color = false;  ///< ANSI colours for statuses (callers enable it only on a TTY without NO_COLOR)
    bool tables = true;  ///< print each section's table (false: one line per check, findings, notes)
    std::size_t max_cell = 80; ///< longer cells are cut with "..."
};

namespace detail {
/// A cell as text: integers as they are, reals with up to 3 decimals (ratios in [0, 1] too).
inline std::string cell_text(const value& v) {
    if (auto* d = std::get_if<double>(&v)) {
        char buf[64];
        const double a = std::fabs(*d);
        std::snprintf(buf, sizeof buf, a >= 1000 ? "%.0f" : a >= 10 ? "%.1f" : "%.3f", *d);
        return buf;
    }
    if (std::holds_alternative<null_t>(v)) return "";
    if (auto* s = std::get_if<std::string>(&v)) return *s;
    return to_display_string(v);
}
inline bool numeric(const value& v) { return std::holds_alternative<std::int64_t>(v) || std::holds_alternative<double>(v); }
} // namespace detail

/// Renders documents as text: a title line, then per section its status, findings with
/// their recommendations, the table (columns aligned, numbers right-aligned) and notes.
class text_renderer {
public:
    /// A renderer with layout `o` (copied). Rendering only reads the document and writes to
    /// the stream, so one renderer may serve several threads writing to distinct streams.
    explicit text_renderer(text_options o = {}) : o_(o) {}

    /// Writes `d` to `os`.
    void render(const document& d, std::ostream& os) const {
        os << bold("cistern " + d.command) << "  " << d.target << "  " << d.generated_at << "  status: " << status(d.status) << "\n";
        for (auto& s : d.sections) render_section(s, os);
    }

    /// Writes one section.
    void render_section(const section& s, std::ostream& os) const {
        if (!o_.tables) {
            os << "  " << status(s.status, 8) << " " << s.title;
            if (s.findings.empty()) os << (s.state == "ok" ? "" : "  (" + s.state + ")");
            os << "\n";
            for (auto& f : s.findings)
                os << "      " << status(f.severity) << " " << f.reason << "\n        -> " << f.recommendation << "\n";
            for (auto& n : s.notes) os << "      note: " << n << "\n";
            return;
        }
        os << "\n" << bold("== " + s.title) << "  " << status(s.status) << (s.state == "ok" ? "" : "  (" + s.state + ")") << "\n";
        for (auto& f : s.findings)
            os << "  " << status(f.severity) << " " << f.rule << ": " << f.reason << "\n    -> " << f.recommendation << "\n";
        if (s.data) render_table(*s.data, os);
        for (auto& n : s.notes) os << "  note: " << n << "\n";
    }

    /// Writes a table with aligned columns (or "(none)").
    void render_table(const table& t, std::ostream& os) const {
        if (t.rows.empty()) {
            os << "  (none)\n";
            return;
        }
        std::vector<std::size_t> w(t.columns.size(), 0);
        std::vector<std::vector<std::string>> text;
        for (std::size_t c = 0; c < t.columns.size(); ++c) w[c] = t.columns[c].size();
        for (auto& r : t.rows) {
            std::vector<std::string> line;
            for (std::size_t c = 0; c < t.columns.size() && c < r.size(); ++c) {
                std::string s = detail::cell_text(r[c]);
                for (auto& ch : s)
                    if (ch == '\n' || ch == '\t' || ch == '\r') ch = ' ';
                if (s.size() > o_.max_cell) s = s.substr(0, o_.max_cell - 3) + "...";
                w[c] = std::max(w[c], s.size());
                line.push_back(std::move(s));
            }
            text.push_back(std::move(line));
        }
        auto pad = [](const std::string& s, std::size_t n, bool right) {
            const std::string fill(n > s.size() ? n - s.size() : 0, ' ');
            return right ? fill + s : s + fill;
        };
        os << " ";
        for (std::size_t c = 0; c < t.columns.size(); ++c) {
            const bool right = !t.rows.empty() && c < t.rows[0].size() && detail::numeric(t.rows[0][c]);
            os << " " << (c + 1 == t.columns.size() && !right ? t.columns[c] : pad(t.columns[c], w[c], right));
        }
        os << "\n";
        for (std::size_t r = 0; r < text.size(); ++r) {
            os << " ";
            for (std::size_t c = 0; c < text[r].size(); ++c) {
                const bool right = detail::numeric(t.rows[r][c]);
                os << " " << (c + 1 == text[r].size() && !right ? text[r][c] : pad(text[r][c], w[c], right));
            }
            os << "\n";
        }
    }

private:
    std::string status(health_status s, std::size_t width = 0) const {
        std::string n = std::string("[") + level_name(s) + "]";
        if (n.size() < width + 2) n += std::string(width + 2 - n.size(), ' ');
        if (!o_.color) return n;
        const char* c = s == health_status::healthy ? "\033[32m" : s == health_status::degraded ? "\033[33m" : "\033[31m";
        return c + n + "\033[0m";
    }
    std::string bold(const std::string& s) const { return o_.color ? "\033[1m" + s + "\033[0m" : s; }

    text_options o_;
};

} // namespace cistern::report
