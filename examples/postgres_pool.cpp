// postgres_pool: a pool of PostgreSQL connections shared by several threads.
//
//   postgres_pool [postgresql://user:password@host:port/dbname]   (default: $DATABASE_URL)
#include <cistern/adapter/postgres/factory.hpp>
#include <cistern/pool/pool.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>
#include <vector>

int main(int argc, char** argv) try {
    using namespace std::chrono_literals;
    const char* url = argc > 1 ? argv[1] : std::getenv("DATABASE_URL");
    if (!url) {
        std::cerr << "usage: postgres_pool <postgresql://...>  (or set DATABASE_URL)\n";
        return 2;
    }
    cistern::postgres::options po;
    po.application_name = "cistern-example";
    po.statement_timeout = 5s;
    cistern::pool_options opts;
    opts.name = "example";
    opts.min_idle = 2;
    opts.max_size = 4;
    opts.acquire_timeout = 5s;
    cistern::pool pool(cistern::postgres::factory(url, po), opts);
    std::cout << "connecting to " << pool.factory().describe() << " (password never shown)\n";

    pool.acquire()->execute_script("CREATE TEMP TABLE IF NOT EXISTS scratch(x int)"); // session-local
    std::vector<std::thread> workers;
    for (int w = 0; w < 8; ++w)
        workers.emplace_back([&pool, w] {
            for (int i = 0; i < 50; ++i) {
                auto db = pool.acquire();
                db->query("SELECT $1::int * $2::int AS product, now() AS at", w, i);
            }
        });
    for (auto& t : workers) t.join();

    auto db = pool.acquire();
    auto r = db->query("SELECT version() AS v, current_setting('application_name') AS app");
    std::cout << r[0].get<std::string>("v") << "\napplication_name: " << r[0].get<std::string>("app") << "\n";
    db.release();
    const auto s = pool.stats();
    std::cout << "pool: " << s.size << " connections, acquired " << s.acquired << ", waited " << s.waited
              << ", timed out " << s.timed_out << ", created " << s.created << "\n";
    return 0;
} catch (const cistern::error& e) {
    std::cerr << e.what() << "\n";
    return 1;
}
