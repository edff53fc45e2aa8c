#include <boost/test/unit_test.hpp>

#include <cistern/monitor/rolling_window.hpp>
#include <cistern/monitor/slow_query_log.hpp>
#include <cistern/monitor/statement_registry.hpp>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(recording_suite)

BOOST_AUTO_TEST_CASE(registry_groups_texts_by_fingerprint) {
    cistern::statement_registry reg;
    auto& a = reg.find("SELECT v FROM kv WHERE id = 7");
    auto& b = reg.find("select v from kv where id=8");
    auto& c = reg.find("SELECT v FROM kv WHERE id = 7");
    auto& d = reg.find("DELETE FROM kv");
    BOOST_TEST(&a == &b);
    BOOST_TEST(&a == &c);
    BOOST_TEST(&a != &d);
    a.record(10us, 1, true);
    b.record(30us, 2, false);
    BOOST_TEST(a.calls() == 2u);
    BOOST_TEST(a.errors.load() == 1u);
    BOOST_TEST(a.rows.load() == 3u);
    BOOST_TEST(a.total_ns() == 40'000u);
    BOOST_TEST(a.latency.count() == 2u);
    BOOST_TEST(a.fingerprint == "SELECT v FROM kv WHERE id = ?");
    BOOST_TEST(reg.all().size() == 2u);
}

BOOST_AUTO_TEST_CASE(registry_caps_fingerprints_and_texts) {
    cistern::statement_registry reg(2, 3);
    auto& a = reg.find("SELECT 1 FROM a");
    auto& b = reg.find("SELECT 1 FROM b");
    auto& c = reg.find("SELECT 1 FROM c");
    BOOST_TEST(&a != &b);
    BOOST_TEST(c.fingerprint == "(other)");
    c.record(1us, 0, true);
    BOOST_TEST(reg.all().size() == 3u);
    // text table holds 3 texts: a fourth one is fingerprinted each time, still attributed right
    auto& a2 = reg.find("SELECT 2 FROM a");
    auto& a3 = reg.find("SELECT 2 FROM a");
    BOOST_TEST(&a2 == &a);
    BOOST_TEST(&a3 == &a);
    BOOST_TEST(reg.uncached() == 2u);
}

BOOST_AUTO_TEST_CASE(rolling_window_keeps_last_n) {
    cistern::statement_registry reg;
    auto& s = reg.find("SELECT 1");
    cistern::rolling_window w(5);
    for (int i = 1; i <= 12; ++i) w.record(&s, std::chrono::nanoseconds(i), i % 2 == 0, cistern::rolling_window::wall_now_ns());
    const auto e = w.entries();
    BOOST_TEST(e.size() == 5u);
    BOOST_TEST(e.front().duration.count() == 8);
    BOOST_TEST(e.back().duration.count() == 12);
    BOOST_TEST(e.back().ok);
    BOOST_TEST(e.back().statement == &s);
    BOOST_TEST(w.recorded() == 12u);
    BOOST_TEST(cistern::rolling_window{}.capacity() == 1000u);
}

BOOST_AUTO_TEST_CASE(slow_log_hands_each_entry_out_once) {
    cistern::slow_query_log log(2);
    log.add({"SELECT ?", 1, 2s, cistern::slow_level::warning, true, {}});
    log.add({"SELECT ?", 1, 6s, cistern::slow_level::critical, true, {}});
    log.add({"UPDATE t SET a = ?", 1, 1500ms, cistern::slow_level::warning, true, {}});
    BOOST_TEST(log.peek().size() == 2u);
    const auto first = log.take();
    BOOST_TEST(first.size() == 2u);
    BOOST_TEST((first[0].level == cistern::slow_level::critical));
    BOOST_TEST(log.take().empty());
    BOOST_TEST(log.warnings() == 2u);
    BOOST_TEST(log.criticals() == 1u);
    BOOST_TEST(log.dropped() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

namespace {
// detail::text_hash as first written (the tail copied byte-wise): the one-load tail must
// give the same hashes.
std::uint64_t reference_text_hash(std::string_view s) {
    constexpr std::uint64_t k1 = 0xFF51AFD7ED558CCDull, k2 = 0xC4CEB9FE1A85EC53ull;
    std::uint64_t a = 0x9E3779B97F4A7C15ull ^ s.size(), b = 0x2545F4914F6CDD1Dull;
    const char* p = s.data();
    std::size_t n = s.size();
    std::uint64_t w0, w1;
    for (; n >= 16; p += 16, n -= 16) {
        std::memcpy(&w0, p, 8);
        std::memcpy(&w1, p + 8, 8);
        a = (a ^ w0) * k1;
        b = (b ^ w1) * k2;
        a ^= a >> 32;
        b ^= b >> 29;
    }
    if (n >= 8) {
        std::memcpy(&w0, p, 8);
        a = (a ^ w0) * k1;
        a ^= a >> 32;
        p += 8;
        n -= 8;
    }
    w1 = 0;
    std::memcpy(&w1, p, n);
    b = (b ^ w1) * k2;
    std::uint64_t h = (a ^ ((b << 31) | (b >> 33))) * k1;
    h ^= h >> 29;
    return h;
}
} // namespace

// Every length up to 48 (each tail and step), also at unaligned starts: the same hash as
// the byte-wise tail; same_text tells equal texts from texts differing at any one byte.
BOOST_AUTO_TEST_CASE(text_hash_and_same_text_read_every_byte_of_every_length) {
    std::string buf(64, ' ');
    for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<char>('A' + (i * 7) % 50);
    for (std::size_t off = 0; off < 3; ++off)
        for (std::size_t n = 0; n <= 48; ++n) {
            const std::string_view t(buf.data() + off, n);
            BOOST_TEST(cistern::detail::text_hash(t) == reference_text_hash(t), "length " << n << " at " << off);
            std::string other(t);
            BOOST_TEST(cistern::detail::same_text(t.data(), other.data(), n));
            for (std::size_t i = 0; i < n; ++i) {
                other[i] ^= 1;
                BOOST_TEST(!cistern::detail::same_text(t.data(), other.data(), n), "length " << n << " byte " << i);
                BOOST_TEST(cistern::detail::text_hash(other) != cistern::detail::text_hash(t));
                other[i] ^= 1;
            }
        }
}
