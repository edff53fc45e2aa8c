#pragma once
/// \file
/// `cistern::postgres::factory`: creates PostgreSQL connections from a conninfo string or URL.

#include <cistern/adapter/postgres/connection.hpp>
#include <cistern/adapter/postgres/options.hpp>
#include <cistern/concepts.hpp>
#include <cistern/error.hpp>

#include <libpq-fe.h>

#include <string>
#include <utility>

namespace cistern::postgres {

/// Creates connections to one PostgreSQL database. Models cistern::ConnectionFactory.
///
/// `target` is anything libpq accepts: `host=db port=5432 dbname=app user=app password=…`
/// or `postgresql://app:secret@db:5432/app?sslmode=require`. It is checked at
/// construction (config_error for a malformed one). describe() and every message
/// cistern produces leave the password out.
class factory {
public:
    /// Keeps `target` and `opts` for every connection it creates. Throws config_error when
    /// `opts` is invalid or libpq cannot parse `target` (the message never quotes the target).
    explicit factory(std::string target, options opts = {}) : target_(std::move(target)), opts_(std::move(opts)) {
        opts_.validate();
        char* err = nullptr;
        PQconninfoOption* parsed = PQconninfoParse(target_.c_str(), &err);
        if (!parsed) {
            std::string msg = err ? detail::trim(err) : "unparsable";
            if (err) PQfreemem(err);
            throw config_error("postgres::factory target", "(redacted)", msg);
        }
        std::string user, host, port, dbname, hostaddr;
        for (auto* o = parsed; o->keyword; ++o) {
            if (!o->val) continue;
            const std::string_view k = o->keyword;
            if (k == "user") user = o->val;
            else if (k == "host") host = o->val;
            else if (k == "hostaddr") hostaddr = o->val;
            else if (k == "port") port = o->val;
            else if (k == "dbname") dbname = o->val;
        }
        PQconninfoFree(parsed);
        if (host.empty()) host = hostaddr;
        description_ = "postgresql://" + (user.empty() ? "" : user + "@") + (host.empty() ? "localhost" : host) +
                       (port.empty() ? "" : ":" + port) + "/" + dbname;
    }

    /// Opens a new connection; throws connect_error on failure.
    connection create() { return connection(target_, opts_); }

    /// `postgresql://user@host:port/dbname`, never with the password.
    std::string describe() const { return description_; }

    /// The options every connection is opened with.
    const options& opts() const noexcept { return opts_; }

private:
    std::string target_;
    options opts_;
    std::string description_;
};

static_assert(cistern::detail::check_connection_factory<factory>());

} // namespace cistern::postgres
