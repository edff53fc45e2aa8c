#define BOOST_TEST_MODULE cistern dashboard in a real browser
// Drives Debian's headless Chromium against a dashboard serving a real SQLite workload:
// the live page after its scripts ran, a screenshot, the static report with JavaScript
// off. CISTERN_CHROMIUM overrides the browser path (default /usr/bin/chromium).
#include <boost/test/unit_test.hpp>

#include "workload.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <zlib.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using cistern::test::workload;

namespace {

std::string chromium() {
    const char* c = std::getenv("CISTERN_CHROMIUM");
    return c && *c ? c : "/usr/bin/chromium";
}

// Runs chromium headless with a fresh profile directory; returns its stdout.
std::string run_chromium(const cistern::test::temp_dir& profile, const std::string& args, const std::string& url) {
    const std::string cmd = "timeout 120 " + chromium() +
                            " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run"
                            " --disable-background-networking --disable-component-update --disable-sync"
                            " --disable-dev-shm-usage --user-data-dir=" + profile.path().string() + " " + args + " '" + url +
                            "' 2>" + profile.file("stderr.log");
    std::string out;
    FILE* p = ::popen(cmd.c_str(), "r");
    BOOST_TEST_REQUIRE(p != nullptr);
    std::array<char, 65536> buf;
    std::size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
    ::pclose(p);
    return out;
}

std::string read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), {}};
}

std::string html_escape(const std::string& s) { return cistern::detail::html_escape(s); }

// Text of the element with data-field="k" in a dumped DOM ("" if absent).
std::string field(const std::string& dom, const std::string& k) {
    const auto at = dom.find("data-field=\"" + k + "\"");
    if (at == std::string::npos) return "";
    const auto gt = dom.find('>', at);
    const auto lt = dom.find('<', gt);
    return dom.substr(gt + 1, lt - gt - 1);
}

std::uint32_t be32(const unsigned char* p) { return (std::uint32_t{p[0]} << 24) | (p[1] << 16) | (p[2] << 8) | p[3]; }

// Distinct RGB colours of an 8-bit RGB or RGBA, non-interlaced PNG (what Chromium writes).
std::size_t distinct_colours(const std::string& png) {
    const auto* d = reinterpret_cast<const unsigned char*>(png.data());
    BOOST_TEST_REQUIRE(png.size() > 33u);
    BOOST_TEST_REQUIRE(png.compare(1, 3, "PNG") == 0);
    std::uint32_t w = 0, h = 0;
    int channels = 0;
    std::string idat;
    for (std::size_t off = 8; off + 12 <= png.size();) {
        const std::uint32_t len = be32(d + off);
        const std::string type(png.data() + off + 4, 4);
        const unsigned char* body = d + off + 8;
        if (type == "IHDR") {
            w = be32(body);
            h = be32(body + 4);
            BOOST_TEST_REQUIRE(int(body[8]) == 8);                          // bit depth
            BOOST_TEST_REQUIRE((body[9] == 2 || body[9] == 6));             // RGB / RGBA
            BOOST_TEST_REQUIRE(int(body[12]) == 0);                         // not interlaced
            channels = body[9] == 6 ? 4 : 3;
        } else if (type == "IDAT") {
            idat.append(reinterpret_cast<const char*>(body), len);
        }
        off += 12 + len;
    }
    const std::size_t stride = std::size_t(w) * channels;
    std::vector<unsigned char> raw((stride + 1) * h);
    uLongf raw_len = raw.size();
    BOOST_TEST_REQUIRE(::uncompress(raw.data(), &raw_len, reinterpret_cast<const Bytef*>(idat.data()), idat.size()) == Z_OK);
    std::vector<unsigned char> prev(stride, 0), cur(stride);
    std::set<std::uint32_t> colours;
    for (std::uint32_t y = 0; y < h; ++y) {
        const unsigned char* line = raw.data() + y * (stride + 1);
        const int filter = line[0];
        for (std::size_t x = 0; x < stride; ++x) {
            const int a = x >= std::size_t(channels) ? cur[x - channels] : 0, b = prev[x],
                      c = x >= std::size_t(channels) ? prev[x - channels] : 0;
            int v = line[1 + x];
            switch (filter) {
            case 1: v += a; break;
            case 2: v += b; break;
            case 3: v += (a + b) / 2; break;
            case 4: {
                const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
                v += (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c);
                break;
            }
            default: break;
            }
            cur[x] = static_cast<unsigned char>(v);
        }
        for (std::uint32_t x = 0; x < w; ++x) {
            const unsigned char* px = cur.data() + std::size_t(x) * channels;
            colours.insert((std::uint32_t{px[0]} << 16) | (px[1] << 8) | px[2]);
        }
        std::swap(prev, cur);
    }
    return colours.size();
}

} // namespace

BOOST_AUTO_TEST_SUITE(browser_suite)

BOOST_AUTO_TEST_CASE(live_page_after_its_scripts_shows_the_json_figures) {
    workload w;
    const std::string base = "http://127.0.0.1:" + std::to_string(w.dash->port());
    httplib::Client c("127.0.0.1", w.dash->port());
    c.set_read_timeout(60, 0);
    cistern::test::temp_dir profile;
    const std::string dom = run_chromium(profile, "--virtual-time-budget=5000 --dump-dom", base + "/");
    BOOST_TEST_REQUIRE(!dom.empty(), "chromium printed nothing: " << read_file(profile.file("stderr.log")));
    // the figures the JSON API reports for the same moment (the workload is idle now)
    auto r = c.Get("/api/performance");
    BOOST_TEST_REQUIRE(static_cast<bool>(r));
    const auto j = nlohmann::json::parse(r->body);
    BOOST_TEST(field(dom, "refreshed").rfind("refreshed ", 0) == 0u, "the page's script did not refresh it: " << field(dom, "refreshed"));
    BOOST_TEST(field(dom, "statement_count") == std::to_string(j["totals"]["statements"].get<std::size_t>()));
    BOOST_TEST(field(dom, "pool_max_size") == std::to_string(j["pool"]["max_size"].get<std::size_t>()));
    char ratio[32];
    std::snprintf(ratio, sizeof ratio, "%.1f %%", j["cache"]["hit_ratio"].get<double>() * 100.0);
    BOOST_TEST(field(dom, "cache_hit_ratio") == ratio);
    // rewritten by the script in the JSON's ISO 8601 form (the server renders "... UTC")
    BOOST_TEST(field(dom, "generated_at").back() == 'Z');
    BOOST_TEST(field(dom, "generated_at").find('T') == 10u);
    const std::string slow_fp = j["slow"][0]["fingerprint"];
    BOOST_TEST(dom.find(html_escape(slow_fp)) != std::string::npos, "slow fingerprint " << slow_fp);
    BOOST_TEST(dom.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
    BOOST_TEST(dom.find("<script>alert") == std::string::npos);
    BOOST_TEST(dom.find("<svg") != std::string::npos);
    BOOST_TEST(dom.find("<svg class=\"spark\"") != std::string::npos, "no statement sparkline");
    BOOST_TEST(dom.find("https://") == std::string::npos);
    BOOST_TEST(dom.find("http://") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(screenshot_is_not_blank) {
    workload w;
    const std::string url = "http://127.0.0.1:" + std::to_string(w.dash->port()) + "/";
    cistern::test::temp_dir profile;
    const std::string png = profile.file("shot.png");
    run_chromium(profile, "--virtual-time-budget=5000 --hide-scrollbars --window-size=1000,1250 --screenshot=" + png, url);
    const std::string bytes = read_file(png);
    BOOST_TEST_REQUIRE(!bytes.empty(), "no screenshot: " << read_file(profile.file("stderr.log")));
    const auto n = distinct_colours(bytes);
    BOOST_TEST_MESSAGE("screenshot: " << bytes.size() << " bytes, " << n << " distinct colours");
    BOOST_TEST(n >= 64u); // text anti-aliasing, chart colours, tiles: a blank page has 1-2
    if (const char* keep = std::getenv("CISTERN_SCREENSHOT_OUT")) {
        std::ofstream(keep, std::ios::binary) << bytes;
    }
}

BOOST_AUTO_TEST_CASE(static_report_reads_with_javascript_off) {
    // Headless Chromium's --dump-dom needs scripting on, so "JavaScript off" is made by the
    // page: the report has no script at all, and the live page is loaded from a file with a
    // Content-Security-Policy of script-src 'none' (its inline script is refused).
    workload w;
    const std::string base = "http://127.0.0.1:" + std::to_string(w.dash->port());
    httplib::Client c("127.0.0.1", w.dash->port());
    c.set_read_timeout(60, 0);
    cistern::test::temp_dir files;
    auto live = c.Get("/");
    BOOST_TEST_REQUIRE(static_cast<bool>(live));
    std::string no_js = live->body;
    no_js.insert(no_js.find("<head>") + 6, "<meta http-equiv=\"Content-Security-Policy\" content=\"script-src 'none'\">");
    std::ofstream(files.file("live_no_js.html")) << no_js;
    const std::string file = files.file("report.html");
    cistern::write_html_report(*w.mon, file); // the library call
    const std::string doc = read_file(file);
    BOOST_TEST(doc.find("<script") == std::string::npos);
    BOOST_TEST_MESSAGE("report size: " << doc.size() << " bytes, live page " << live->body.size() << " bytes");
    for (const std::string& url : {base + "/report", "file://" + file, "file://" + files.file("live_no_js.html")}) {
        cistern::test::temp_dir profile;
        const std::string dom = run_chromium(profile, "--virtual-time-budget=3000 --dump-dom", url);
        BOOST_TEST_REQUIRE(!dom.empty(), url << ": " << read_file(profile.file("stderr.log")));
        for (const char* id : {"statements", "numbers_statements", "numbers_pool", "numbers_cache", "slow"})
            BOOST_TEST(dom.find(std::string("id=\"") + id + "\"") != std::string::npos, url << " " << id);
        for (const char* id : {"chart_latency", "chart_throughput", "chart_pool", "chart_pool_wait", "chart_cache", "chart_cache_events"})
            BOOST_TEST(dom.find(std::string("<svg id=\"") + id + "\"") != std::string::npos, url << " " << id);
        BOOST_TEST(dom.find("80 % warning") != std::string::npos);
        BOOST_TEST(dom.find("<polyline") != std::string::npos);
        BOOST_TEST(dom.find("<svg class=\"spark\"") != std::string::npos, url << ": no statement sparkline");
        BOOST_TEST(field(dom, "pool_max_size") == "4");
        if (url != "file://" + file) { // the dashboard's pages (write_html_report of a bare monitor has no advice)
            BOOST_TEST(dom.find("<table id=\"caching_advice\">") != std::string::npos, url << ": no caching advice section");
            BOOST_TEST(dom.find("Caching advice</h2>") != std::string::npos);
        }
        BOOST_TEST(dom.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
        BOOST_TEST(dom.find("http://") == std::string::npos);
        BOOST_TEST(dom.find("https://") == std::string::npos);
    }
    cistern::test::temp_dir profile;
    const std::string dom = run_chromium(profile, "--virtual-time-budget=3000 --dump-dom", "file://" + files.file("live_no_js.html"));
    BOOST_TEST(field(dom, "refreshed") == "not refreshed yet"); // its script did not run
}

BOOST_AUTO_TEST_SUITE_END()
