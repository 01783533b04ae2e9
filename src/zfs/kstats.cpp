// Reading <procfs>/spl/kstat/zfs into the KstatSnapshot model, file by allow-listed file.
#include "zfs/kstats.hpp"

#include <algorithm>
#include <memory>

#include "util/strings.hpp"
#include "zfs/fields.hpp"

namespace pvex::zfs {
namespace {

constexpr std::string_view k_objset_prefix = "objset-0x";
constexpr std::string_view k_ddt_prefix = "ddt_stats_";

/// What every file read of one snapshot shares: the read buffer, the store that keeps the text
/// of named tables, and the problem list.
struct Reader {
  kstat::ReadBuffer buffer;
  std::shared_ptr<kstat::TextStore> store;
  std::vector<std::string>& problems;
};

/// Reads and parses one allow-listed file. nullopt when the file is absent or gone (silently)
/// or malformed (recorded in `problems`).
template <class Parse>
auto read_parsed(const kstat::Directory& dir, std::string_view name, const kstat::AllowList& allow,
                 Parse parse, Reader& reader)
    -> std::optional<typename decltype(parse(std::string_view{}, reader))::value_type> {
  Result<std::string_view> text = kstat::read_allowed(dir, name, allow, reader.buffer);
  if (!text) {
    if (text.error().kind != ErrorKind::not_found)
      reader.problems.push_back(dir.path() + "/" + std::string(name) + ": " + text.error().message);
    return std::nullopt;
  }
  auto parsed = parse(*text, reader);
  if (!parsed) {
    reader.problems.push_back(dir.path() + "/" + std::string(name) + ": " + parsed.error().message);
    return std::nullopt;
  }
  return std::move(*parsed);
}

/// Tables keep their text in the snapshot's store: one copy out of the read buffer, no
/// allocation per file.
Result<kstat::NamedTable> parse_named(std::string_view text, Reader& reader) {
  return kstat::parse_named(reader.store->keep(text), reader.store);
}
Result<kstat::NamedTable> parse_io(std::string_view text, Reader& reader) {
  return kstat::parse_io(reader.store->keep(text), reader.store);
}
Result<std::string> parse_word(std::string_view text, Reader&) {
  return kstat::parse_word(text);
}
Result<kstat::ListTable> parse_list(std::string_view text, Reader&) {
  return kstat::parse_list(text);
}

PoolKstats read_pool(const kstat::Directory& root, const std::string& name, Reader& reader) {
  PoolKstats pool;
  pool.name = name;
  Result<kstat::Directory> opened = root.open_directory(name);
  if (!opened) {
    // Exported meanwhile: the pool is listed without data, as when its files vanish.
    if (opened.error().kind != ErrorKind::not_found)
      reader.problems.push_back(opened.error().message);
    return pool;
  }
  const kstat::Directory& dir = *opened;
  const kstat::AllowList& allow = pool_allow_list();
  pool.state = read_parsed(dir, "state", allow, parse_word, reader);
  pool.guid = read_parsed(dir, "guid", allow, parse_word, reader);
  pool.iostats = read_parsed(dir, "iostats", allow, parse_named, reader);
  pool.io = read_parsed(dir, "io", allow, parse_io, reader);
  pool.dmu_tx_assign = read_parsed(dir, "dmu_tx_assign", allow, parse_named, reader);
  pool.txgs = read_parsed(dir, "txgs", allow, parse_list, reader);

  Result<std::vector<kstat::Entry>> entries = dir.list();
  if (!entries) return pool;  // exported meanwhile
  pool.objsets.reserve(entries->size());
  for (const kstat::Entry& e : *entries) {
    if (e.is_directory) continue;
    if (util::starts_with(e.name, k_objset_prefix)) {
      std::optional<kstat::NamedTable> t = read_parsed(dir, e.name, allow, parse_named, reader);
      if (!t) continue;
      const kstat::NamedRow* ds = t->find("dataset_name");
      if (ds == nullptr || ds->is_numeric() || ds->text.empty()) {
        reader.problems.push_back(dir.path() + "/" + e.name + ": no dataset_name");
        continue;
      }
      Objset& o = pool.objsets.emplace_back();
      o.id = std::string_view(e.name).substr(k_objset_prefix.size() - 2);
      o.dataset = ds->text;
      o.table = std::move(*t);
    } else if (util::starts_with(e.name, k_ddt_prefix)) {
      std::optional<kstat::NamedTable> t = read_parsed(dir, e.name, allow, parse_named, reader);
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
  Result<kstat::Directory> dir = kstat::Directory::open(root);
  if (!dir) return fail(dir.error());
  Result<std::vector<kstat::Entry>> entries = dir->list();
  if (!entries) return fail(entries.error());
  KstatSnapshot snap;
  Reader reader{{}, std::make_shared<kstat::TextStore>(), snap.problems};
  snap.globals.reserve(global_files().size());
  for (const FileSpec& spec : global_files()) {
    std::optional<kstat::NamedTable> t =
        read_parsed(*dir, spec.file, global_allow_list(), parse_named, reader);
    if (t) snap.globals.push_back(NamedFile{std::string(spec.file), std::move(*t)});
  }
  for (const kstat::Entry& e : *entries)
    if (e.is_directory) snap.pools.push_back(read_pool(*dir, e.name, reader));
  return snap;
}

}  // namespace pvex::zfs
