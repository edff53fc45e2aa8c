// The documented JSON form of a report::document (docs/cli.md, "JSON schema").
#include <cistern/report/document.hpp>

#include <nlohmann/json.hpp>

namespace cistern::cli {

namespace {
nlohmann::json cell(const value& v) {
    if (auto* i = std::get_if<std::int64_t>(&v)) return *i;
    if (auto* d = std::get_if<double>(&v)) return *d;
    if (auto* s = std::get_if<std::string>(&v)) return *s;
    if (std::holds_alternative<null_t>(v)) return nullptr;
    return to_display_string(v);
}
} // namespace

nlohmann::json to_json(const report::document& d) {
    nlohmann::json j;
    j["schema_version"] = d.schema_version;
    j["command"] = d.command;
    j["target"] = d.target;
    j["generated_at"] = d.generated_at;
    j["status"] = report::level_name(d.status);
    j["sections"] = nlohmann::json::array();
    for (auto& s : d.sections) {
        nlohmann::json js;
        js["id"] = s.id;
        js["title"] = s.title;
        js["status"] = report::level_name(s.status);
        js["state"] = s.state;
        js["findings"] = nlohmann::json::array();
        for (auto& f : s.findings)
            js["findings"].push_back({{"severity", report::level_name(f.severity)}, {"rule", f.rule}, {"reason", f.reason},
                                      {"recommendation", f.recommendation}});
        js["notes"] = s.notes;
        if (s.data) {
            js["columns"] = s.data->columns;
            js["rows"] = nlohmann::json::array();
            for (auto& r : s.data->rows) {
                nlohmann::json row = nlohmann::json::object();
                for (std::size_t c = 0; c < r.size() && c < s.data->columns.size(); ++c) row[s.data->columns[c]] = cell(r[c]);
                js["rows"].push_back(std::move(row));
            }
        }
        j["sections"].push_back(std::move(js));
    }
    return j;
}

} // namespace cistern::cli
