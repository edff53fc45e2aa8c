// A consumer of cistern: a pool over SQLite, built against an installed or vendored copy.
#include <cistern/adapter/sqlite/factory.hpp>
#include <cistern/cistern.hpp>

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
    const std::string file = argc > 1 ? argv[1] : "consumer.db";
    cistern::pool_options o;
    o.min_idle = 0;
    o.max_size = 2;
    cistern::pool p(cistern::sqlite::factory(file), o);
    auto c = p.acquire();
    c->execute_script("CREATE TABLE IF NOT EXISTS t(x INTEGER); DELETE FROM t;");
    c->execute("INSERT INTO t VALUES (?)", 7);
    const int v = c->query("SELECT x FROM t").scalar<int>();
    std::printf("cistern %s: consumer read %d\n", CISTERN_VERSION_STRING, v);
    return v == 7 ? 0 : 1;
}
