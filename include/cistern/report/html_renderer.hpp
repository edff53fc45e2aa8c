#pragma once
/// \file
/// `cistern::report::html_renderer`: a document as one self-contained HTML page (inline
/// CSS, SVG bar charts with their numbers in the section's table, no script, no external
/// URL), light and dark by prefers-color-scheme. Every string is HTML-escaped.

#include <cistern/monitor/html_report.hpp>
#include <cistern/report/document.hpp>
#include <cistern/report/text_renderer.hpp>

#include <range/v3/range/conversion.hpp>
#include <range/v3/view/filter.hpp>
#include <range/v3/view/for_each.hpp>
#include <range/v3/view/transform.hpp>

#include <algorithm>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace cistern::report {

/// How html_renderer lays a document out.
struct html_options {
    /// The page title (escaped); the document's command and target follow it.
    std::string title = "cistern report";
    /// Sections drawn as a horizontal bar chart of one numeric column (section id, column),
    /// the bars labelled by the table's first text column; at most `chart_bars` bars.
    std::vector<std::pair<std::string, std::string>> bar_charts = {
        {"slow_queries", "total_ms"}, {"partitions", "rows"}, {"operations", "p95_ms"}, {"statements", "total_ms"}};
    std::size_t chart_bars = 12; ///< bars per chart
    std::size_t max_cell = 400;  ///< longer cells are cut with "..."
};

/// One finding of a document with the section it belongs to.
struct located_finding {
    const section* where;       ///< the section holding it
    const health_finding* what; ///< the finding
};

/// Every finding of `d`, worst first (sections' order kept within a severity).
inline std::vector<located_finding> findings_by_severity(const document& d) {
    auto all = d.sections | ranges::views::for_each([](const section& s) {
                   return s.findings | ranges::views::transform([&s](const health_finding& f) { return located_finding{&s, &f}; });
               }) |
               ranges::to<std::vector>();
    std::ranges::stable_sort(all, std::ranges::greater{}, [](const located_finding& x) { return x.what->severity; });
    return all;
}

/// Renders documents as HTML (see the file comment). Rendering only reads the document.
class html_renderer {
public:
    /// A renderer with layout `o` (copied).
    explicit html_renderer(html_options o = {}) : o_(std::move(o)) {}

    /// Writes `d` to `os` as one complete HTML document.
    void render(const document& d, std::ostream& os) const {
        using cistern::detail::html_escape;
        std::string h;
        h += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">"
             "<meta name=\"color-scheme\" content=\"light dark\"><title>" +
             html_escape(o_.title + " \xE2\x80\x94 " + d.command) + "</title><style>" + cistern::detail::report_css() +
             ".badge{font-size:.8rem;padding:.05rem .4rem;border-radius:4px;color:#fff;margin-left:.4rem}"
             "nav a{margin-right:.8rem}svg .bar{fill:var(--s1)}svg .label{fill:var(--fg);font-size:11px}</style></head><body>";
        h += "<h1>" + html_escape(o_.title) + "</h1><p class=\"mute\">cistern " + html_escape(d.command) + " of <b>" +
             html_escape(d.target) + "</b>, generated " + html_escape(d.generated_at) + " \xC2\xB7 schema_version " +
             std::to_string(d.schema_version) + "</p>";
        const auto found = findings_by_severity(d);
        const auto count = [&](health_status s) {
            return std::ranges::count_if(found, [s](const located_finding& f) { return f.what->severity == s; });
        };
        h += "<h2 id=\"overview\">Overview</h2><div class=\"tiles\">";
        h += "<div class=\"tile\"><span class=\"mute\">status</span><b><span class=\"status " + css(d.status) + "\">" +
             level_name(d.status) + "</span></b></div>";
        tile(h, "sections", std::to_string(d.sections.size()));
        tile(h, "critical findings", std::to_string(count(health_status::unhealthy)));
        tile(h, "warnings", std::to_string(count(health_status::degraded)));
        h += "</div><nav>";
        for (std::size_t i = 0; i < d.sections.size(); ++i)
            h += "<a href=\"#s" + std::to_string(i) + "\">" + html_escape(d.sections[i].title) + "</a>";
        h += "</nav><h2>Findings and recommendations</h2>";
        if (found.empty()) h += "<p>No finding: every check passed.</p>";
        for (auto& f : found)
            h += "<div class=\"finding " + css(f.what->severity) + "\"><b>" + html_escape(f.what->rule) + "</b> (" +
                 level_name(f.what->severity) + ", " + html_escape(f.where->title) + "): " + html_escape(f.what->reason) +
                 "<br><span class=\"mute\">\xE2\x86\x92 </span><code>" + html_escape(f.what->recommendation) + "</code></div>";
        for (std::size_t i = 0; i < d.sections.size(); ++i) render_section(h, d.sections[i], i);
        h += "</body></html>\n";
        os << h;
    }

private:
    static std::string css(health_status s) { return cistern::to_string(s); }
    static void tile(std::string& h, const std::string& label, const std::string& v) {
        h += "<div class=\"tile\"><span class=\"mute\">" + cistern::detail::html_escape(label) + "</span><b>" +
             cistern::detail::html_escape(v) + "</b></div>";
    }
    std::string cell(const value& v) const {
        std::string s = detail::cell_text(v);
        if (s.size() > o_.max_cell) s = s.substr(0, o_.max_cell - 3) + "...";
        return cistern::detail::html_escape(s);
    }

    void render_section(std::string& h, const section& s, std::size_t i) const {
        using cistern::detail::html_escape;
        h += "<h2 id=\"s" + std::to_string(i) + "\">" + html_escape(s.title) + "<span class=\"badge status " + css(s.status) + "\">" +
             level_name(s.status) + "</span>" + (s.state == "ok" ? "" : " <span class=\"mute\">(" + html_escape(s.state) + ")</span>") +
             "</h2>";
        for (auto& f : s.findings)
            h += "<div class=\"finding " + css(f.severity) + "\"><b>" + html_escape(f.rule) + ":</b> " + html_escape(f.reason) +
                 "<br><code>" + html_escape(f.recommendation) + "</code></div>";
        if (s.data) {
            chart(h, s);
            const auto& t = *s.data;
            h += "<table data-section=\"" + html_escape(s.id) + "\"><thead><tr>";
            for (auto& c : t.columns) h += "<th>" + html_escape(c) + "</th>";
            h += "</tr></thead><tbody>";
            if (t.rows.empty()) h += "<tr><td colspan=\"" + std::to_string(std::max<std::size_t>(1, t.columns.size())) + "\">(none)</td></tr>";
            for (auto& r : t.rows) {
                h += "<tr>";
                for (std::size_t c = 0; c < t.columns.size() && c < r.size(); ++c)
                    h += std::string(detail::numeric(r[c]) ? "<td>" : "<td class=\"sql\">") + cell(r[c]) + "</td>";
                h += "</tr>";
            }
            h += "</tbody></table>";
        }
        for (auto& n : s.notes) h += "<p class=\"mute\">" + html_escape(n) + "</p>";
    }

    /// A horizontal bar chart of the configured numeric column, when the section has one.
    void chart(std::string& h, const section& s) const {
        using cistern::detail::html_escape;
        const auto& t = *s.data;
        auto want = std::ranges::find_if(o_.bar_charts, [&](auto& p) { return p.first == s.id; });
        if (want == o_.bar_charts.end() || t.rows.empty()) return;
        const auto col = std::ranges::find(t.columns, want->second);
        if (col == t.columns.end()) return;
        const auto ci = static_cast<std::size_t>(col - t.columns.begin());
        auto number = [ci](const std::vector<value>& r) -> double {
            if (ci >= r.size()) return 0.0;
            if (auto* i = std::get_if<std::int64_t>(&r[ci])) return static_cast<double>(*i);
            if (auto* x = std::get_if<double>(&r[ci])) return *x;
            return 0.0;
        };
        auto label = [](const std::vector<value>& r) {
            for (auto& v : r)
                if (std::holds_alternative<std::string>(v)) return std::get<std::string>(v);
            return std::string{};
        };
        const auto bars = t.rows | ranges::views::filter([&](const std::vector<value>& r) { return number(r) > 0; }) |
                          ranges::views::transform([&](const std::vector<value>& r) { return std::pair{label(r), number(r)}; }) |
                          ranges::to<std::vector>();
        if (bars.empty()) return;
        const std::size_t n = std::min(bars.size(), o_.chart_bars);
        double hi = 0;
        for (std::size_t b = 0; b < n; ++b) hi = std::max(hi, bars[b].second);
        const int row_h = 20, height = static_cast<int>(n) * row_h + 8;
        h += "<figure class=\"chart\"><svg viewBox=\"0 0 640 " + std::to_string(height) + "\" role=\"img\" aria-label=\"" +
             html_escape(s.title + ": " + want->second) + "\">";
        for (std::size_t b = 0; b < n; ++b) {
            const double w = hi > 0 ? 380.0 * bars[b].second / hi : 0.0;
            const int y = 4 + static_cast<int>(b) * row_h;
            std::string name = bars[b].first.size() > 40 ? bars[b].first.substr(0, 37) + "..." : bars[b].first;
            h += "<text class=\"label\" x=\"0\" y=\"" + std::to_string(y + 13) + "\">" + html_escape(name) + "</text>";
            h += "<rect class=\"bar\" x=\"250\" y=\"" + std::to_string(y + 2) + "\" width=\"" + cistern::detail::fmt_num(w, 1) +
                 "\" height=\"14\"/>";
            h += "<text class=\"label\" x=\"" + cistern::detail::fmt_num(254 + w, 1) + "\" y=\"" + std::to_string(y + 13) + "\">" +
                 html_escape(detail::cell_text(value(bars[b].second))) + "</text>";
        }
        h += "</svg><figcaption>" + html_escape(want->second) + " (numbers in the table below)</figcaption></figure>";
    }

    html_options o_;
};

} // namespace cistern::report
