#define BOOST_TEST_MODULE cistern never shows a PostgreSQL password
#include <boost/test/unit_test.hpp>

#include <cistern/adapter/postgres/factory.hpp>
#include <cistern/monitor/monitor.hpp>
#include <cistern/monitor/sinks/callback_sink.hpp>
#include <cistern/monitor/sinks/json_lines_sink.hpp>
#include <cistern/monitor/sinks/ostream_sink.hpp>
#include <cistern/monitor/sinks/prometheus_sink.hpp>
#include <cistern/pool/pool.hpp>

#include "support/postgres_session.hpp"
#include "support/temp_dir.hpp"

#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

// A table of target forms (URL and key=value; passwords with / @ : ? # % ' " \ spaces and
// unicode; password=, passfile, sslpassword, PGPASSWORD), each driven through everything
// that can show text: describe(), the factory's and create()'s exceptions, a pool's
// pool_timeout and last_connect_error, and a monitor's snapshot, health and every sink.
// The password (as written and decoded) must appear in none of them. The forms point at
// the throwaway server with a wrong password (authentication fails for real), at a
// closed port, or are malformed.

using namespace std::chrono_literals;

namespace {

constexpr auto& server = cistern::test::shared_postgres_server;
boost::test_tools::assertion_result owns_server(boost::unit_test::test_unit_id) {
    boost::test_tools::assertion_result r(server().can_control());
    r.message() << "skipped: CISTERN_TEST_PG_URL is set, and this test needs the throwaway server's port";
    return r;
}

struct form {
    std::string name;
    std::string target;
    std::vector<std::string> secrets; // none of these may appear anywhere
    const char* env_password = nullptr;
};

std::string port() { return std::to_string(server().port()); }
std::string url(const std::string& userinfo, const std::string& rest = "/cistern") {
    return "postgresql://" + userinfo + "@127.0.0.1:" + port() + rest;
}
std::string kv(const std::string& password_part) {
    return "host=127.0.0.1 port=" + port() + " dbname=cistern user=cistern_app " + password_part;
}

std::vector<form> forms(const std::string& passfile) {
    const std::string closed = "host=127.0.0.1 port=1 dbname=x user=x ";
    return {
        {"url plain", url("cistern_app:Wr0ngPlain"), {"Wr0ngPlain"}},
        {"url encoded slash", url("cistern_app:Wr0ng%2FSlash"), {"Wr0ng%2FSlash", "Wr0ng/Slash"}},
        {"url unescaped slash", url("cistern_app:Pass/W0rd"), {"Pass/W0rd"}},
        {"url unescaped at", url("cistern_app:Pa@ss"), {"Pa@ss"}},
        {"url encoded at", url("cistern_app:Pa%40ssEnc"), {"Pa%40ssEnc", "Pa@ssEnc"}},
        {"url colon", url("cistern_app:co:lon:pw"), {"co:lon:pw"}},
        {"url question mark", url("cistern_app:qu?estion"), {"qu?estion"}},
        {"url hash", url("cistern_app:ha#shpw"), {"ha#shpw"}},
        {"url encoded percent", url("cistern_app:pe%25rcent"), {"pe%25rcent", "pe%rcent"}},
        {"url bad percent escape", url("cistern_app:Pa%zzss"), {"Pa%zzss"}},
        {"url unclosed ipv6", "postgresql://cistern_app:V6secret@[::1/cistern", {"V6secret"}},
        {"url empty ipv6", "postgresql://cistern_app:EmptyV6pw@[]/cistern", {"EmptyV6pw"}},
        {"url unicode", url("cistern_app:p%C3%A4ssw%C3%B6rt"), {"p%C3%A4ssw%C3%B6rt", "p\xC3\xA4ssw\xC3\xB6rt"}},
        {"url quote and backslash", url("cistern_app:qu%27o%22te%5Cpw"), {"qu%27o%22te%5Cpw", "qu'o\"te\\pw"}},
        {"url password parameter", url("cistern_app", "/cistern?password=ParamSecret"), {"ParamSecret"}},
        {"url sslpassword parameter", url("cistern_app:Wr0ngSsl", "/cistern?sslpassword=SslKeySecret&sslmode=disable"),
         {"Wr0ngSsl", "SslKeySecret"}},
        {"url bad parameter", url("cistern_app:BadParamPw", "/cistern?no_such_option=1"), {"BadParamPw"}},
        {"url postgres scheme", "postgres://cistern_app:SchemePw@127.0.0.1:" + port() + "/cistern", {"SchemePw"}},
        {"kv plain", kv("password=KvPlainPw"), {"KvPlainPw"}},
        {"kv quoted with spaces", kv("password='has spaces pw'"), {"has spaces pw"}},
        {"kv quoted with quote and backslash", kv("password='it\\'s a \\\\ pw'"), {"it's a \\ pw", "it\\'s a \\\\ pw"}},
        {"kv symbols", kv("password=/@:?#%\"sym"), {"/@:?#%\"sym"}},
        {"kv unicode", kv("password=p\xC3\xA4ss\xE2\x82\xAC"), {"p\xC3\xA4ss\xE2\x82\xAC"}},
        {"kv unterminated quote", kv("password='Unterminated pw"), {"Unterminated pw"}},
        {"kv bad option", kv("password=BadOptPw no_such_option=1"), {"BadOptPw"}},
        {"kv sslpassword", kv("password=Wr0ngKv sslpassword=SslKvSecret sslmode=disable"), {"Wr0ngKv", "SslKvSecret"}},
        {"kv closed port", closed + "password=ClosedPortPw", {"ClosedPortPw"}},
        {"kv bad port value", "host=127.0.0.1 port=notaport password=BadPortPw", {"BadPortPw"}},
        {"kv passfile", kv("passfile=" + passfile), {"PassFileSecret"}},
        {"env PGPASSWORD", kv(""), {"EnvSecretPw"}, "EnvSecretPw"},
        {"url password equals dbname fragment", url("cistern_app:cisternpw", "/cisternpw"), {"cisternpw"}},
    };
}

struct collector {
    std::vector<std::string> texts;
    void add(std::string where, std::string text) { texts.push_back(std::move(where) + ": " + std::move(text)); }
};

std::string health_text(const cistern::health_report& h) {
    std::string t = cistern::to_string(h.status);
    for (const auto& f : h.findings) t += "\n" + f.rule + ": " + f.reason + " / " + f.recommendation;
    return t;
}

} // namespace

BOOST_AUTO_TEST_CASE(no_target_form_leaks_its_password, *boost::unit_test::precondition(owns_server)) {
    cistern::test::temp_dir dir;
    const std::string passfile = (dir.path() / "pgpass").string();
    {
        std::ofstream f(passfile);
        f << "127.0.0.1:" << port() << ":cistern:cistern_app:PassFileSecret\n";
    }
    ::chmod(passfile.c_str(), 0600);
    const auto table = forms(passfile);
    BOOST_TEST(table.size() >= 25u);
    int leaking = 0;
    for (const auto& f : table) {
        BOOST_TEST_CONTEXT("form '" << f.name << "'") {
            if (f.env_password) ::setenv("PGPASSWORD", f.env_password, 1);
            collector out;
            cistern::postgres::options po;
            po.connect_timeout = 2s;
            std::optional<cistern::postgres::factory> fac;
            try {
                fac.emplace(f.target, po);
                out.add("describe", fac->describe());
            } catch (const std::exception& e) {
                out.add("factory exception", e.what());
            }
            if (fac) {
                try {
                    fac->create();
                    BOOST_ERROR("connected with a wrong password");
                } catch (const std::exception& e) {
                    out.add("create exception", e.what());
                }
                std::ostringstream text_out, json_out, prom_out, cb_out;
                {
                    using mon_t = cistern::monitor<cistern::ostream_sink, cistern::json_lines_sink,
                                                   cistern::prometheus_sink, cistern::callback_sink>;
                    cistern::monitor_options mo;
                    mo.db_system = "postgresql";
                    mon_t mon(mo, cistern::ostream_sink(text_out), cistern::json_lines_sink(json_out),
                              cistern::prometheus_sink("redaction", &prom_out),
                              cistern::callback_sink([&](const cistern::monitor_snapshot& s) {
                                  cb_out << s.pool.last_connect_error << '\n' << health_text(s.health) << '\n';
                              }));
                    cistern::pool_options o;
                    o.min_idle = 0;
                    o.max_size = 1;
                    o.acquire_timeout = 300ms;
                    o.connect_retry_initial = 10ms;
                    o.connect_retry_max = 50ms;
                    cistern::pool<cistern::postgres::factory, cistern::with_listener<cistern::pool_listener>> p(
                        *fac, o, mon.pool_listener());
                    try {
                        p.acquire();
                        BOOST_ERROR("acquired with a wrong password");
                    } catch (const std::exception& e) {
                        out.add("pool_timeout", e.what());
                    }
                    if (auto e = p.last_connect_error()) out.add("last_connect_error", e->what());
                    mon.observe_pool(p.stats());
                    const auto snap = mon.snapshot();
                    out.add("snapshot last_connect_error", snap.pool.last_connect_error);
                    out.add("health", health_text(mon.health()));
                    mon.flush();
                }
                out.add("ostream_sink", text_out.str());
                out.add("json_lines_sink", json_out.str());
                out.add("prometheus_sink", prom_out.str());
                out.add("callback_sink", cb_out.str());
            }
            if (f.env_password) ::unsetenv("PGPASSWORD");
            bool leaked = false;
            for (const auto& t : out.texts)
                for (const auto& s : f.secrets)
                    if (t.find(s) != std::string::npos) {
                        leaked = true;
                        BOOST_ERROR("password '" << s << "' shown in " << t);
                    }
            leaking += leaked;
            BOOST_TEST_MESSAGE(f.name << ": " << (out.texts.empty() ? std::string("-") : out.texts.front()));
        }
    }
    BOOST_TEST_MESSAGE("leaking forms: " << leaking << " of " << table.size());
    BOOST_TEST(leaking == 0);
}
