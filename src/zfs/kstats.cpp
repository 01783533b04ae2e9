// Reading <procfs>/spl/kstat/zfs into the KstatSnapshot model, file by allow-listed file.
#include "zfs/kstats.hpp"

#include <algorithm>

#include "util/strings.hpp"
#include "zfs/fields.hpp"

namespace pvex::zfs {
namespace {

constexpr std::string_view k_objset_prefix = "objset-0x";
constexpr std::string_view k_ddt_prefix = "ddt_stats_";

/// Reads and parses one allow-listed file. nullopt when the file is absent or gone (silently)
/// or malformed (recorded in `problems`).
template <class Parse>
auto read_parsed(const std::string& dir, std::string_view name, const kstat::AllowList& allow,
                 Parse parse, std::vector<std::string>& problems)
    -> std::optional<typename decltype(parse(std::string{}))::value_type> {
  Result<std::string> text = kstat::read_allowed(dir, name, allow);
  if (!text) {
    if (text.error().kind != ErrorKind::not_found)
      problems.push_back(dir + "/" + std::string(name) + ": " + text.error().message);
    return std::nullopt;
  }
  auto parsed = parse(std::move(*text));
  if (!parsed) {
    problems.push_back(dir + "/" + std::string(name) + ": " + parsed.error().message);
    return std::nullopt;
  }
  return std::move(*parsed);
}

/// Named-table parsing that hands the read buffer over instead of copying it.
Result<kstat::NamedTable> parse_named(std::string text) {
  return kstat::parse_named(std::make_shared<const std::string>(std::move(text)));
}
Result<std::string> parse_word(std::string text) {
  return kstat::parse_word(text);
}
Result<kstat::NamedTable> parse_io(std::string text) {
  return kstat::parse_io(text);
}
Result<kstat::ListTable> parse_list(std::string text) {
  return kstat::parse_list(text);
}

PoolKstats read_pool(const std::string& root, const std::string& name,
                     std::vector<std::string>& problems) {
  const std::string dir = root + "/" + name;
  const kstat::AllowList& allow = pool_allow_list();
  PoolKstats pool;
  pool.name = name;
  pool.state = read_parsed(dir, "state", allow, parse_word, problems);
  pool.guid = read_parsed(dir, "guid", allow, parse_word, problems);
  pool.iostats = read_parsed(dir, "iostats", allow, parse_named, problems);
  pool.io = read_parsed(dir, "io", allow, parse_io, problems);
  pool.dmu_tx_assign = read_parsed(dir, "dmu_tx_assign", allow, parse_named, problems);
  pool.txgs = read_parsed(dir, "txgs", allow, parse_list, problems);

  Result<std::vector<kstat::Entry>> entries = kstat::list_directory(dir);
  if (!entries) return pool;  // exported meanwhile
  for (const kstat::Entry& e : *entries) {
    if (e.is_directory) continue;
    if (util::starts_with(e.name, k_objset_prefix)) {
      std::optional<kstat::NamedTable> t = read_parsed(dir, e.name, allow, parse_named, problems);
      if (!t) continue;
      const kstat::NamedRow* ds = t->find("dataset_name");
      if (ds == nullptr || ds->is_numeric() || ds->text.empty()) {
        problems.push_back(dir + "/" + e.name + ": no dataset_name");
        continue;
      }
      Objset o;
      o.id = e.name.substr(k_objset_prefix.size() - 2);
      o.dataset = std::string(ds->text);
      o.table = std::move(*t);
      pool.objsets.push_back(std::move(o));
    } else if (util::starts_with(e.name, k_ddt_prefix)) {
      std::optional<kstat::NamedTable> t = read_parsed(dir, e.name, allow, parse_named, problems);
      if (t) pool.ddt.push_back(NamedFile{e.name, std::move(*t)});
    }
  }
  std::sort(pool.objsets.begin(), pool.objsets.end(), [](const Objset& a, const Objset& b) {
    return a.dataset != b.dataset ? a.dataset < b.dataset : a.id < b.id;
  });
  return pool;
}

}  // namespace

const kstat::AllowList& global_allow_list() {
  static const kstat::AllowList allow = [] {
    kstat::AllowList a;
    for (const FileSpec& spec : global_files()) a.names.emplace_back(spec.file);
    return a;
  }();
  return allow;
}

const kstat::AllowList& pool_allow_list() {
  static const kstat::AllowList allow{{"state", "guid", "iostats", "io", "dmu_tx_assign", "txgs"},
                                      {std::string(k_objset_prefix), std::string(k_ddt_prefix)}};
  return allow;
}

Result<KstatSnapshot> read_kstats(const std::string& root) {
  Result<std::vector<kstat::Entry>> entries = kstat::list_directory(root);
  if (!entries) return fail(entries.error());
  KstatSnapshot snap;
  for (const FileSpec& spec : global_files()) {
    std::optional<kstat::NamedTable> t =
        read_parsed(root, spec.file, global_allow_list(), parse_named, snap.problems);
    if (t) snap.globals.push_back(NamedFile{std::string(spec.file), std::move(*t)});
  }
  for (const kstat::Entry& e : *entries)
    if (e.is_directory) snap.pools.push_back(read_pool(root, e.name, snap.problems));
  return snap;
}

}  // namespace pvex::zfs
