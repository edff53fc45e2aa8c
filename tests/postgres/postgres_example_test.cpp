#define BOOST_TEST_MODULE cistern PostgreSQL example
#include <boost/test/unit_test.hpp>

#include "support/postgres_server.hpp"

#include <cstdio>
#include <string>

BOOST_AUTO_TEST_CASE(postgres_pool_example_runs_against_a_real_server) {
    cistern::test::postgres_server server;
    const std::string cmd = std::string(CISTERN_EXAMPLE_BINARY) + " '" + server.url() + "' 2>&1";
    FILE* p = ::popen(cmd.c_str(), "r");
    BOOST_REQUIRE(p);
    std::string out;
    char buf[512];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    const int rc = ::pclose(p);
    BOOST_TEST_MESSAGE(out);
    BOOST_TEST(rc == 0);
    BOOST_TEST(out.find("acquired 402,") != std::string::npos);
    BOOST_TEST(out.find("application_name: cistern-example") != std::string::npos);
    BOOST_TEST(out.find(cistern::test::postgres_server::app_password) == std::string::npos);
}
