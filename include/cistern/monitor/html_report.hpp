#pragma once
/// \file
/// `cistern::render_html_report`: a monitor's snapshot and history as one self-contained
/// HTML document (inline CSS, SVG charts, every chart's numbers in a table, no external
/// URL), and `cistern::write_html_report` for an application's monitor.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <cistern/error.hpp>
#include <cistern/monitor/detail/text_format.hpp>
#include <cistern/monitor/health.hpp>
#include <cistern/monitor/monitor_history.hpp>
#include <cistern/monitor/snapshot.hpp>

namespace cistern {

/// How render_html_report() renders.
struct html_report_options {
    /// The document's title (escaped).
    std::string title = "cistern";
    /// Live page: adds an inline script that refreshes the figures and charts from
    /// `api_path` every `refresh` (the static report has no script at all).
    bool live = false;
    std::string api_path = "/api/performance"; ///< where the live page fetches its figures
    std::chrono::milliseconds refresh{5000};   ///< how often the live page refreshes
    /// Entries in the watched cache, when known.
    std::optional<std::size_t> cache_entries;
    /// More sections, appended after the built-in ones: complete HTML the caller has
    /// escaped (e.g. the dashboard's caching advice). Empty: none.
    std::string extra_html;
};

namespace detail {

/// `s` with & < > " ' replaced by entities: safe as element text and as a quoted attribute.
inline std::string html_escape(std::string_view s) {
    std::string o;
    o.reserve(s.size() + 16);
    for (char c : s) {
        switch (c) {
        case '&': o += "&amp;"; break;
        case '<': o += "&lt;"; break;
        case '>': o += "&gt;"; break;
        case '"': o += "&quot;"; break;
        case '\'': o += "&#39;"; break;
        default: o += c;
        }
    }
    return o;
}

inline std::string fmt_num(double v, int decimals = 2) {
    char b[64];
    std::snprintf(b, sizeof b, "%.*f", decimals, v);
    return b;
}
inline std::string fmt_ms(std::chrono::nanoseconds d) { return fmt_num(static_cast<double>(d.count()) / 1e6, 3); }
inline std::string fmt_pct(double r) { return fmt_num(r * 100.0, 1) + " %"; }
inline std::string fmt_time(std::chrono::system_clock::time_point t) { return format_utc(t, "%Y-%m-%d %H:%M:%S UTC"); }
inline std::string fmt_clock(std::chrono::system_clock::time_point t) { return format_utc(t, "%H:%M:%S"); }

/// One line of a chart.
struct chart_series {
    std::string name;
    std::string css_class; ///< s1 .. s4: colour
    std::vector<double> values;
};

/// An SVG line chart (fixed viewBox, scales with the page) with optional horizontal
/// threshold lines (value, label). `id` names it for the live script.
inline std::string svg_chart(std::string_view id, std::string_view title, const std::vector<chart_series>& series,
                             const std::vector<std::pair<double, std::string>>& thresholds = {},
                             std::optional<double> fixed_max = std::nullopt) {
    constexpr double w = 640, h = 160, left = 48, right = 8, top = 10, bottom = 20;
    double hi = fixed_max.value_or(0.0);
    std::size_t n = 0;
    for (const auto& s : series) {
        n = std::max(n, s.values.size());
        if (!fixed_max)
            for (double v : s.values) hi = std::max(hi, v);
    }
    if (!fixed_max)
        for (const auto& t : thresholds) hi = std::max(hi, t.first);
    if (hi <= 0) hi = 1;
    auto x = [&](std::size_t i) { return left + (n > 1 ? (w - left - right) * static_cast<double>(i) / static_cast<double>(n - 1) : 0.0); };
    auto y = [&](double v) { return top + (h - top - bottom) * (1.0 - std::clamp(v / hi, 0.0, 1.0)); };
    std::string o = "<figure class=\"chart\"><svg id=\"" + html_escape(id) + "\" viewBox=\"0 0 640 160\" role=\"img\" aria-label=\"" +
                    html_escape(title) + "\" data-max=\"" + fmt_num(hi, 6) + "\">";
    o += "<rect class=\"plot\" x=\"48\" y=\"10\" width=\"584\" height=\"130\"/>";
    o += "<text class=\"axis\" x=\"44\" y=\"16\" text-anchor=\"end\">" + fmt_num(hi, hi < 10 ? 2 : 0) + "</text>";
    o += "<text class=\"axis\" x=\"44\" y=\"140\" text-anchor=\"end\">0</text>";
    for (const auto& t : thresholds) {
        const double ty = y(t.first);
        o += "<line class=\"threshold\" x1=\"48\" x2=\"632\" y1=\"" + fmt_num(ty, 1) + "\" y2=\"" + fmt_num(ty, 1) + "\"/>";
        o += "<text class=\"axis\" x=\"630\" y=\"" + fmt_num(ty - 2, 1) + "\" text-anchor=\"end\">" + html_escape(t.second) + "</text>";
    }
    for (const auto& s : series) {
        o += "<polyline class=\"line " + html_escape(s.css_class) + "\" points=\"";
        for (std::size_t i = 0; i < s.values.size(); ++i) o += fmt_num(x(i), 1) + "," + fmt_num(y(s.values[i]), 1) + " ";
        o += "\"/>";
    }
    if (n == 0) o += "<text class=\"axis\" x=\"340\" y=\"80\" text-anchor=\"middle\">no closed interval yet</text>";
    o += "</svg><figcaption>" + html_escape(title);
    for (const auto& s : series) o += " <span class=\"key " + html_escape(s.css_class) + "\">&#9632; " + html_escape(s.name) + "</span>";
    o += "</figcaption></figure>";
    return o;
}

/// A statement's sparkline: its time per interval (ms) as a small SVG polyline, the
/// numbers in the title (a tooltip and text for screen readers). Empty values: no SVG.
inline std::string svg_sparkline(const std::vector<double>& values) {
    if (values.empty()) return {};
    double hi = 0;
    for (double v : values) hi = std::max(hi, v);
    if (hi <= 0) hi = 1;
    const std::size_t n = values.size();
    std::string o = "<svg class=\"spark\" viewBox=\"0 0 100 20\" role=\"img\"><title>ms per interval: ";
    for (std::size_t i = 0; i < n; ++i) o += (i ? " " : "") + fmt_num(values[i], 1);
    o += "</title><polyline class=\"line s1\" points=\"";
    for (std::size_t i = 0; i < n; ++i) {
        const double x = n > 1 ? 100.0 * static_cast<double>(i) / static_cast<double>(n - 1) : 50.0;
        const double y = 19.0 - 18.0 * std::clamp(values[i] / hi, 0.0, 1.0);
        o += fmt_num(x, 1) + "," + fmt_num(y, 1) + " ";
    }
    o += "\"/></svg>";
    return o;
}

inline std::string report_css() {
    return R"(:root{--bg:#fff;--fg:#1d2330;--mute:#5b6473;--card:#f4f6fa;--line:#d5dae3;--ok:#1a7f37;--warn:#b7791f;--bad:#c62828;
--s1:#2563eb;--s2:#16a34a;--s3:#dc2626;--s4:#9333ea;--thr:#f59e0b}
@media (prefers-color-scheme:dark){:root{--bg:#12151c;--fg:#e6e9ef;--mute:#9aa3b2;--card:#1c212b;--line:#2d3442;--ok:#4ade80;--warn:#fbbf24;
--bad:#f87171;--s1:#60a5fa;--s2:#4ade80;--s3:#f87171;--s4:#c084fc;--thr:#fbbf24}}
*{box-sizing:border-box}body{margin:0;padding:1rem 2rem;background:var(--bg);color:var(--fg);font:14px/1.4 system-ui,sans-serif}
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.15rem;margin:1.6rem 0 .5rem;border-bottom:1px solid var(--line)}
.mute{color:var(--mute)}.tiles{display:flex;flex-wrap:wrap;gap:.6rem}.tile{background:var(--card);padding:.5rem .8rem;border-radius:6px;min-width:9rem}
.tile b{display:block;font-size:1.3rem}.status{font-weight:bold;padding:.1rem .5rem;border-radius:4px;color:#fff}
.healthy{background:var(--ok)}.degraded{background:var(--warn)}.unhealthy{background:var(--bad)}
table{border-collapse:collapse;width:100%;margin:.4rem 0 1rem}th,td{border-bottom:1px solid var(--line);padding:.25rem .5rem;text-align:right;vertical-align:top}
th:first-child,td:first-child{text-align:left}td.sql{font-family:ui-monospace,monospace;text-align:left;white-space:pre-wrap;word-break:break-all;max-width:40rem}
.chart{margin:.3rem 0}.chart svg{width:100%;max-width:960px;height:auto;display:block}.plot{fill:var(--card);stroke:var(--line)}
.axis{fill:var(--mute);font-size:10px}.line{fill:none;stroke-width:2}.threshold{stroke:var(--thr);stroke-dasharray:6 4}
polyline.s1{stroke:var(--s1)}polyline.s2{stroke:var(--s2)}polyline.s3{stroke:var(--s3)}polyline.s4{stroke:var(--s4)}
.key.s1{color:var(--s1)}.key.s2{color:var(--s2)}.key.s3{color:var(--s3)}.key.s4{color:var(--s4)}
.finding{background:var(--card);border-left:4px solid var(--warn);padding:.4rem .7rem;margin:.4rem 0}.finding.unhealthy{border-color:var(--bad);background:var(--card)}
table.numbers{font-size:12px}.spark{width:100px;height:20px;display:block}@media print{body{padding:0}.chart svg{max-width:100%}}
)";
}

/// The live page's script: fetches the JSON API and rewrites the figures, the statements
/// table and the charts. Builds elements with textContent only (no HTML from data).
inline std::string live_script(std::string_view api, long refresh_ms) {
    std::string js = R"(<script>
(function(){
var API=")" + std::string(api) + R"(",EVERY=)" + std::to_string(refresh_ms) + R"(;
function set(k,v){document.querySelectorAll('[data-field="'+k+'"]').forEach(function(e){e.textContent=v;});}
function pct(r){return (r*100).toFixed(1)+' %';}
function ms(v){return v.toFixed(3);}
function row(tb,cells,first){var tr=document.createElement('tr');cells.forEach(function(c,i){var td=document.createElement('td');td.textContent=c;if(i===0&&first)td.className=first;tr.appendChild(td);});tb.appendChild(tr);}
function spark(td,v){if(!v||!v.length)return;var any=document.querySelector('svg');if(!any)return;var NS=any.namespaceURI;var svg=document.createElementNS(NS,'svg');svg.setAttribute('class','spark');svg.setAttribute('viewBox','0 0 100 20');
 var t=document.createElementNS(NS,'title');t.textContent='ms per interval: '+v.map(function(x){return x.toFixed(1);}).join(' ');svg.appendChild(t);
 var hi=0;v.forEach(function(x){if(x>hi)hi=x;});if(hi<=0)hi=1;var pl=document.createElementNS(NS,'polyline');pl.setAttribute('class','line s1');
 pl.setAttribute('points',v.map(function(x,i){return (v.length>1?100*i/(v.length-1):50).toFixed(1)+','+(19-18*Math.min(Math.max(x/hi,0),1)).toFixed(1);}).join(' '));svg.appendChild(pl);td.appendChild(svg);}
function line(id,series,max){var svg=document.getElementById(id);if(!svg)return;var hi=max||0;series.forEach(function(s){s.v.forEach(function(v){if(v>hi)hi=v;});});
 if(!max){svg.querySelectorAll('line.threshold').forEach(function(){});}if(hi<=0)hi=1;var n=0;series.forEach(function(s){n=Math.max(n,s.v.length);});
 var pl=svg.querySelectorAll('polyline');series.forEach(function(s,k){if(!pl[k])return;var pts=[];s.v.forEach(function(v,i){var x=48+(n>1?584*i/(n-1):0);var y=10+130*(1-Math.min(Math.max(v/hi,0),1));pts.push(x.toFixed(1)+','+y.toFixed(1));});pl[k].setAttribute('points',pts.join(' '));});
 var ax=svg.querySelector('text.axis');if(ax)ax.textContent=hi<10?hi.toFixed(2):hi.toFixed(0);}
function apply(d){
 set('generated_at',d.generated_at);set('status',d.health.status);
 var st=document.querySelector('[data-field="status"]');if(st)st.className='status '+d.health.status;
 set('statement_count',String(d.totals.statements));set('calls',String(d.totals.calls));set('errors',String(d.totals.errors));
 set('slow_count',String(d.totals.slow_warnings+d.totals.slow_criticals));
 set('pool_max_size',String(d.pool.max_size));set('pool_in_use',String(d.pool.in_use));set('pool_idle',String(d.pool.idle));set('pool_timeouts',String(d.pool.timeouts));
 set('cache_hit_ratio',d.cache?pct(d.cache.hit_ratio):'n/a');set('cache_evictions',d.cache?String(d.cache.evictions):'n/a');
 if(d.cache&&d.cache.entries!==undefined)set('cache_entries',String(d.cache.entries));
 var tr={};(d.history.statements||[]).forEach(function(t){tr[t.id]=t.total_ms;});
 var tb=document.querySelector('#statements tbody');if(tb){tb.textContent='';d.statements.forEach(function(s){row(tb,[s.fingerprint,String(s.calls),ms(s.total_ms),ms(s.latency.mean_ms),ms(s.latency.p50_ms),ms(s.latency.p95_ms),ms(s.latency.p99_ms),String(s.errors),''],'sql');spark(tb.lastChild.lastChild,tr[s.id]);});}
 var sl=document.querySelector('#slow tbody');if(sl){sl.textContent='';d.slow.slice().reverse().forEach(function(q){row(sl,[q.fingerprint,ms(q.duration_ms),q.level,q.finished],'sql');});}
 var fl=document.getElementById('findings');if(fl){fl.textContent='';d.health.findings.forEach(function(f){var div=document.createElement('div');div.className='finding '+f.severity;var b=document.createElement('b');b.textContent=f.rule+' ('+f.severity+'): ';div.appendChild(b);div.appendChild(document.createTextNode(f.reason+' \u2014 '+f.recommendation));fl.appendChild(div);});}
 var iv=d.history.intervals;
 line('chart_latency',[{v:iv.map(function(i){return i.p50_ms;})},{v:iv.map(function(i){return i.p95_ms;})},{v:iv.map(function(i){return i.p99_ms;})}]);
 line('chart_throughput',[{v:iv.map(function(i){return i.throughput_per_s;})},{v:iv.map(function(i){return i.errors;})}]);
 line('chart_pool',[{v:iv.map(function(i){return i.pool?i.pool.peak_utilization*100:0;})},{v:iv.map(function(i){return i.pool?i.pool.utilization*100:0;})}],100);
 line('chart_pool_wait',[{v:iv.map(function(i){return i.pool?i.pool.mean_wait_ms:0;})},{v:iv.map(function(i){return i.pool?i.pool.timeouts:0;})}]);
 line('chart_cache',[{v:iv.map(function(i){return i.cache?i.cache.hit_ratio*100:0;})}],100);
 line('chart_cache_events',[{v:iv.map(function(i){return i.cache?i.cache.loads:0;})},{v:iv.map(function(i){return i.cache?i.cache.evictions:0;})}]);
 set('refreshed','refreshed '+new Date().toISOString());
}
function tick(){fetch(API,{cache:'no-store',credentials:'same-origin'}).then(function(r){return r.json();}).then(apply).catch(function(e){set('refreshed','refresh failed: '+e);});}
tick();setInterval(tick,EVERY);
})();
</script>)";
    return js;
}

} // namespace detail

/// Renders the document. Every string from the monitor (fingerprints, findings, error
/// texts) is HTML-escaped; the monitor holds fingerprints, never literal values. The
/// result refers to no external URL (no CDN, no font, no image file).
inline std::string render_html_report(const monitor_snapshot& s, const monitor_history& h, const health_report& health,
                                      const html_report_options& o = {}) {
    using detail::fmt_ms;
    using detail::fmt_num;
    using detail::fmt_pct;
    using detail::html_escape;
    std::string d;
    d.reserve(64 * 1024 + s.statements.size() * 512 + h.intervals.size() * 1024);
    d += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">";
    d += "<meta name=\"color-scheme\" content=\"light dark\"><title>" + html_escape(o.title) + " \xE2\x80\x94 performance</title><style>";
    d += detail::report_css();
    d += "</style></head><body>";
    d += "<h1>" + html_escape(o.title) + " performance</h1><p class=\"mute\">" +
         std::string(o.live ? "Live dashboard" : "Report") + " of <span data-field=\"db_system\">" + html_escape(s.db_system) +
         "</span> statements, generated <span data-field=\"generated_at\">" + detail::fmt_time(s.taken) + "</span>";
    if (o.live) d += " \xC2\xB7 <span data-field=\"refreshed\">not refreshed yet</span>";
    d += "</p>";

    // overview
    const auto status = to_string(health.status);
    d += "<h2 id=\"overview\">Overview</h2><div class=\"tiles\">";
    auto tile = [&](std::string_view label, std::string_view field, const std::string& value) {
        d += "<div class=\"tile\"><span class=\"mute\">" + html_escape(label) + "</span><b data-field=\"" + html_escape(field) + "\">" +
             html_escape(value) + "</b></div>";
    };
    d += "<div class=\"tile\"><span class=\"mute\">health</span><b><span data-field=\"status\" class=\"status " + std::string(status) +
         "\">" + status + "</span></b></div>";
    tile("statements", "statement_count", std::to_string(s.statements.size()));
    tile("calls", "calls", std::to_string(s.calls));
    tile("errors", "errors", std::to_string(s.errors));
    tile("slow", "slow_count", std::to_string(s.slow_warnings + s.slow_criticals));
    tile("pool max size", "pool_max_size", std::to_string(s.pool.stats.max_size));
    tile("pool in use", "pool_in_use", std::to_string(s.pool.stats.in_use));
    tile("cache hit ratio", "cache_hit_ratio", s.cache ? fmt_pct(s.cache->hit_ratio()) : "n/a");
    d += "</div><div id=\"findings\">";
    if (health.findings.empty()) d += "<p>No finding: every health rule passed.</p>";
    for (const auto& f : health.findings)
        d += "<div class=\"finding " + std::string(to_string(f.severity)) + "\"><b>" + html_escape(f.rule) + " (" +
             to_string(f.severity) + "): </b>" + html_escape(f.reason) + " \xE2\x80\x94 " + html_escape(f.recommendation) + "</div>";
    d += "</div>";

    // statements
    d += "<h2>Statements by total time</h2><table id=\"statements\"><thead><tr><th>fingerprint</th><th>calls</th><th>total ms</th>"
         "<th>mean ms</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>errors</th><th>time per interval</th></tr></thead><tbody>";
    for (const auto& x : s.statements) {
        std::vector<double> trend;
        for (const auto& t : h.statements)
            if (t.id == x.id) {
                for (auto v : t.total) trend.push_back(static_cast<double>(v.count()) / 1e6);
                break;
            }
        d += "<tr><td class=\"sql\">" + html_escape(x.fingerprint) + "</td><td>" + std::to_string(x.calls) + "</td><td>" +
             fmt_ms(x.total) + "</td><td>" + fmt_ms(x.latency.mean) + "</td><td>" + fmt_ms(x.latency.p50) + "</td><td>" +
             fmt_ms(x.latency.p95) + "</td><td>" + fmt_ms(x.latency.p99) + "</td><td>" + std::to_string(x.errors) + "</td><td>" +
             detail::svg_sparkline(trend) + "</td></tr>";
    }
    d += "</tbody></table>";

    // over time
    const auto& iv = h.intervals;
    auto series = [&](auto f) {
        std::vector<double> v;
        v.reserve(iv.size());
        for (const auto& i : iv) v.push_back(f(i));
        return v;
    };
    auto ms = [](std::chrono::nanoseconds x) { return static_cast<double>(x.count()) / 1e6; };
    auto numbers = [&](std::string_view id, const std::vector<std::string>& cols, auto cells) {
        d += "<table class=\"numbers\" id=\"" + html_escape(id) + "\"><thead><tr><th>interval (UTC)</th>";
        for (const auto& c : cols) d += "<th>" + html_escape(c) + "</th>";
        d += "</tr></thead><tbody>";
        for (const auto& i : iv) {
            d += "<tr><td>" + detail::fmt_clock(i.begin) + "</td>";
            for (const auto& c : cells(i)) d += "<td>" + c + "</td>";
            d += "</tr>";
        }
        d += "</tbody></table>";
    };
    const std::string every = fmt_num(std::chrono::duration<double>(h.interval).count(), 0) + " s";
    d += "<h2>Latency and throughput over time</h2><p class=\"mute\">" + std::to_string(iv.size()) + " intervals of " + every +
         " (history keeps " + std::to_string(h.capacity) + ")</p>";
    d += detail::svg_chart("chart_latency", "statement latency, ms",
                           {{"p50", "s1", series([&](auto& i) { return ms(i.p50); })},
                            {"p95", "s4", series([&](auto& i) { return ms(i.p95); })},
                            {"p99", "s3", series([&](auto& i) { return ms(i.p99); })}});
    d += detail::svg_chart("chart_throughput", "statements per second and errors per interval",
                           {{"statements/s", "s1", series([](auto& i) { return i.throughput(); })},
                            {"errors", "s3", series([](auto& i) { return static_cast<double>(i.errors); })}});
    numbers("numbers_statements", {"calls", "statements/s", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms"}, [&](const history_interval& i) {
        return std::vector<std::string>{std::to_string(i.calls), fmt_num(i.throughput()), std::to_string(i.errors), fmt_ms(i.p50),
                                        fmt_ms(i.p95), fmt_ms(i.p99), fmt_ms(i.max)};
    });

    d += "<h2>Pool</h2><div class=\"tiles\">";
    tile("size", "pool_size", std::to_string(s.pool.stats.size));
    tile("idle", "pool_idle", std::to_string(s.pool.stats.idle));
    tile("waiting", "pool_waiting", std::to_string(s.pool.stats.waiting));
    tile("timeouts", "pool_timeouts", std::to_string(std::max<std::uint64_t>(s.pool.timeouts, s.pool.stats.timed_out)));
    tile("acquire wait p99 ms", "pool_wait_p99", fmt_ms(s.pool.acquire_wait.p99));
    d += "</div>";
    if (!s.pool.last_connect_error.empty())
        d += "<p>Last connect error: <code>" + html_escape(s.pool.last_connect_error) + "</code></p>";
    d += detail::svg_chart("chart_pool", "pool utilization, % of max_size (peak and last sample)",
                           {{"peak", "s4", series([](auto& i) { return i.pool_peak_utilization() * 100.0; })},
                            {"last", "s1", series([](auto& i) { return i.pool_utilization() * 100.0; })}},
                           {{80.0, "80 % warning"}, {95.0, "95 % critical"}}, 100.0);
    d += detail::svg_chart("chart_pool_wait", "mean acquire wait (ms) and timeouts per interval",
                           {{"mean wait ms", "s1", series([&](auto& i) { return ms(i.pool_mean_wait()); })},
                            {"timeouts", "s3", series([](auto& i) { return static_cast<double>(i.pool_timeouts); })}});
    numbers("numbers_pool", {"in use (peak)", "idle", "waiting", "max size", "acquired", "mean wait ms", "timeouts"},
            [&](const history_interval& i) {
                return std::vector<std::string>{std::to_string(i.pool_in_use) + " (" + std::to_string(i.pool_in_use_peak) + ")",
                                                std::to_string(i.pool_idle), std::to_string(i.pool_waiting),
                                                std::to_string(i.pool_max_size), std::to_string(i.pool_acquired),
                                                fmt_ms(i.pool_mean_wait()), std::to_string(i.pool_timeouts)};
            });

    d += "<h2>Cache</h2><div class=\"tiles\">";
    if (s.cache) {
        tile("hits", "cache_hits", std::to_string(s.cache->hits));
        tile("misses", "cache_misses", std::to_string(s.cache->misses));
        tile("loads", "cache_loads", std::to_string(s.cache->loads));
        tile("evictions", "cache_evictions", std::to_string(s.cache->evictions));
    }
    if (o.cache_entries) tile("entries", "cache_entries", std::to_string(*o.cache_entries));
    d += "</div>";
    if (!s.cache) d += "<p class=\"mute\">No cache is observed by this monitor.</p>";
    d += detail::svg_chart("chart_cache", "cache hit ratio per interval, %",
                           {{"hit ratio", "s2", series([](auto& i) { return i.cache_hit_ratio() * 100.0; })}}, {}, 100.0);
    d += detail::svg_chart("chart_cache_events", "cache loads and evictions per interval",
                           {{"loads", "s1", series([](auto& i) { return static_cast<double>(i.cache_loads); })},
                            {"evictions", "s3", series([](auto& i) { return static_cast<double>(i.cache_evictions); })}});
    numbers("numbers_cache", {"hits", "misses", "hit ratio", "loads", "evictions"}, [&](const history_interval& i) {
        return std::vector<std::string>{std::to_string(i.cache_hits), std::to_string(i.cache_misses), fmt_pct(i.cache_hit_ratio()),
                                        std::to_string(i.cache_loads), std::to_string(i.cache_evictions)};
    });

    d += "<h2>Slow-query log</h2><p class=\"mute\">The last " + std::to_string(slow_query_log::kept_recent) +
         " statements at or above the slow threshold, newest first (fingerprints: parameter values are never kept).</p>"
         "<table id=\"slow\"><thead><tr><th>fingerprint</th><th>ms</th><th>level</th><th>finished</th></tr></thead><tbody>";
    for (auto it = s.recent_slow.rbegin(); it != s.recent_slow.rend(); ++it)
        d += "<tr><td class=\"sql\">" + html_escape(it->fingerprint) + "</td><td>" + fmt_ms(it->duration) + "</td><td>" +
             to_string(it->level) + "</td><td>" + detail::fmt_time(it->finished) + "</td></tr>";
    d += "</tbody></table>";
    if (s.default_partitions) {
        d += "<h2>Default partitions</h2><p class=\"mute\">Rows here block creating the partition their range belongs to "
             "and are never dropped by retention.</p><table id=\"default_partitions\"><thead><tr><th>partitioned table</th>"
             "<th>default partition</th><th>rows</th></tr></thead><tbody>";
        for (const auto& p : *s.default_partitions)
            d += "<tr><td class=\"sql\">" + html_escape(p.parent) + "</td><td class=\"sql\">" + html_escape(p.partition) +
                 "</td><td>" + std::to_string(p.rows) + "</td></tr>";
        if (s.default_partitions->empty()) d += "<tr><td colspan=\"3\">no default partition</td></tr>";
        d += "</tbody></table>";
    }
    d += o.extra_html;
    if (o.live) d += detail::live_script(o.api_path, static_cast<long>(o.refresh.count()));
    d += "</body></html>\n";
    return d;
}

/// Writes the static report (no script) of `m` to `path`: its snapshot (not consuming the
/// slow log), its whole history and its health. Throws cistern::error if the file cannot
/// be written.
template <class Monitor>
void write_html_report(const Monitor& m, const std::filesystem::path& path, html_report_options o = {}) {
    o.live = false;
    const auto snap = m.snapshot();
    const std::string doc = render_html_report(snap, m.history(), snap.health, o);
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    if (!f) throw error("cistern::write_html_report: cannot open " + path.string() + " for writing");
    f << doc;
    f.close();
    if (!f) throw error("cistern::write_html_report: cannot write " + path.string());
}

} // namespace cistern
