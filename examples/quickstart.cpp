// quickstart: a connection pool over an embedded SQLite file, shared by several threads.
//
//   quickstart [database-file]      (default: quickstart.db in the current directory)
#include <cistern/adapter/sqlite/factory.hpp>
#include <cistern/pool/pool.hpp>

#include <chrono>
#include <iostream>
#include <thread>
#include <vector>

int main(int argc, char** argv) try {
    using namespace std::chrono_literals;
    const std::string file = argc > 1 ? argv[1] : "quickstart.db";

    cistern::pool_options opts;
    opts.name = "quickstart";
    opts.min_idle = 2;
    opts.max_size = 4;
    opts.acquire_timeout = 5s;
    cistern::pool pool(cistern::sqlite::factory("sqlite:" + file), opts);

    {
        auto db = pool.acquire();
        db->execute_script("CREATE TABLE IF NOT EXISTS orders("
                           "  id INTEGER PRIMARY KEY, customer TEXT NOT NULL, amount REAL NOT NULL);"
                           "DELETE FROM orders;");
    }

    // Eight workers share four connections: writers insert, readers aggregate.
    std::vector<std::thread> workers;
    for (int w = 0; w < 8; ++w) {
        workers.emplace_back([&pool, w] {
            for (int i = 0; i < 100; ++i) {
                auto db = pool.acquire(); // returned to the pool at the end of the scope
                if (w % 2 == 0)
                    db->execute("INSERT INTO orders(customer, amount) VALUES (?, ?)",
                                "customer-" + std::to_string(i % 10), 10.0 + i);
                else
                    db->query("SELECT customer, sum(amount) FROM orders GROUP BY customer");
            }
        });
    }
    for (auto& t : workers) t.join();

    auto db = pool.acquire();
    auto top = db->query("SELECT customer, count(*) AS n, sum(amount) AS total FROM orders "
                         "GROUP BY customer ORDER BY total DESC LIMIT 3");
    std::cout << "top customers:\n";
    for (auto row : top)
        std::cout << "  " << row.get<std::string>("customer") << ": " << row.get<int>("n")
                  << " orders, " << row.get<double>("total") << "\n";
    db.release();

    const auto s = pool.stats();
    std::cout << "pool '" << opts.name << "': " << s.size << " connections (" << s.idle << " idle, " << s.in_use
              << " in use, max " << s.max_size << ")\n"
              << "  acquired " << s.acquired << ", waited " << s.waited << " (max wait "
              << std::chrono::duration_cast<std::chrono::microseconds>(s.max_wait).count() << " us), timed out "
              << s.timed_out << ", created " << s.created << ", closed " << s.closed_total() << "\n";
    return 0;
} catch (const cistern::error& e) {
    std::cerr << e.what() << "\n";
    return 1;
}
