// The cache features of issue 17 in one program: bulk loading with one loader call,
// atomic counters with compute, put_if_absent, refresh after write served while it
// reloads, and a bound changed at runtime. The "database" is a map here; in an
// application it is a query (see query_cache for caching query results directly).
#include <cistern/cache/cache.hpp>
#include <cistern/cache/expiry/after_write.hpp>

#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

const std::map<int, std::string> database{{1, "ada"}, {2, "grace"}, {3, "edsger"}, {4, "barbara"}};

// One round trip for many keys: SELECT id, name FROM users WHERE id IN (...).
std::vector<std::pair<int, std::string>> load_users(std::span<const int> ids) {
    std::vector<std::pair<int, std::string>> rows;
    for (int id : ids)
        if (auto it = database.find(id); it != database.end()) rows.emplace_back(id, it->second);
    return rows;
}

struct reload_user {
    std::string operator()(const int& id, const std::string& old) const {
        auto it = database.find(id);
        return it == database.end() ? old : it->second + " (reloaded)";
    }
};

} // namespace

int main() {
    using namespace std::chrono_literals;
    // Refreshed a second after each write, expired after a minute.
    cistern::cache<int, std::string, cistern::eviction::w_tinylfu, cistern::expiry::after_write,
                   cistern::cache_policy::with_refresh<reload_user>>
        users(cistern::cache_options{.max_size = 1000, .refresh_after_write = 1s}, cistern::expiry::after_write(1min));

    // Four ids, one of them unknown: one loader call for all of them.
    int calls = 0;
    const std::vector<int> ids{1, 2, 9, 3};
    auto got = users.get_or_load_all(ids, [&](std::span<const int> missing) {
        ++calls;
        return load_users(missing);
    });
    for (std::size_t i = 0; i < ids.size(); ++i)
        std::printf("user %d: %s\n", ids[i], got[i] ? got[i]->c_str() : "(none)");
    std::printf("bulk loader calls: %d\n", calls);

    // put_if_absent keeps what is there.
    if (auto found = users.put_if_absent(1, "someone else")) std::printf("user 1 stays %s\n", found->c_str());

    // Atomic read-modify-write of one entry: a visit counter.
    cistern::cache<std::string, long> visits(cistern::cache_options{.max_size = 1000});
    for (int i = 0; i < 3; ++i) visits.compute("/index", [](const long* n) { return std::optional<long>(n ? *n + 1 : 1); });
    std::printf("visits of /index: %ld\n", visits.get("/index").value_or(0));

    // After a second, a read returns the current value at once and starts one reload.
    std::this_thread::sleep_for(1100ms);
    std::printf("user 2 while it reloads: %s\n", users.get(2).value_or("?").c_str());
    for (int i = 0; i < 200 && users.stats().refreshes == 0; ++i) std::this_thread::sleep_for(10ms);
    std::printf("user 2 after the reload: %s\n", users.get(2).value_or("?").c_str());

    // A smaller bound at runtime evicts at once.
    users.set_max_size(users.shard_count());
    std::printf("bound %llu, size %zu\n", static_cast<unsigned long long>(users.bound()), users.size());
    return 0;
}
