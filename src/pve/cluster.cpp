// Parsers of GET /cluster/status and GET /cluster/resources.
#include "pve/cluster.hpp"

#include "pve/json.hpp"
#include "util/strings.hpp"

namespace pvex::pve {

std::string_view to_string(GuestType type) {
  return type == GuestType::qemu ? "qemu" : "lxc";
}

Result<ClusterStatus> parse_cluster_status(std::string_view body) {
  constexpr std::string_view k_what = "/cluster/status";
  Result<json::Array> arr = json::data_array(body, k_what);
  if (!arr) return fail(arr.error());
  ClusterStatus out;
  size_t index = 0;
  for (json::Element e : *arr) {
    std::string context = std::string(k_what) + "[" + std::to_string(index++) + "]";
    Result<json::Object> obj = json::as_object(e, context);
    if (!obj) return fail(obj.error());
    Result<std::string> type = json::req_string(*obj, "type");
    if (!type) return fail(type.error(), context);
    if (*type != "cluster" && *type != "node") continue;
    Result<std::string> name = json::req_string(*obj, "name");
    if (!name) return fail(name.error(), context);
    if (*type == "cluster") {
      out.cluster = ClusterInfo{std::move(*name), json::opt_int(*obj, "nodes"),
                                json::opt_int(*obj, "version"),
                                json::opt_bool(*obj, "quorate").value_or(false)};
    } else {
      out.members.push_back(ClusterMember{std::move(*name), json::opt_int(*obj, "nodeid"),
                                          json::opt_string(*obj, "ip"),
                                          json::opt_bool(*obj, "local").value_or(false),
                                          json::opt_bool(*obj, "online").value_or(false),
                                          json::opt_string(*obj, "level").value_or("")});
    }
  }
  return out;
}

namespace {

// The entry parsers read a DOM object (json::Object) or an On-Demand one (json::FlatObject)
// through the same accessors, so both paths build the same model.

template <class Obj>
Result<NodeResource> parse_node(const Obj& obj) {
  Result<std::string> node = json::req_string(obj, "node");
  if (!node) return fail(node.error());
  NodeResource n;
  n.node = std::move(*node);
  n.status = json::opt_string(obj, "status").value_or("unknown");
  n.uptime_seconds = json::opt_uint(obj, "uptime");
  n.cpu_ratio = json::opt_double(obj, "cpu");
  n.maxcpu = json::opt_double(obj, "maxcpu");
  n.mem_bytes = json::opt_uint(obj, "mem");
  n.maxmem_bytes = json::opt_uint(obj, "maxmem");
  n.disk_bytes = json::opt_uint(obj, "disk");
  n.maxdisk_bytes = json::opt_uint(obj, "maxdisk");
  n.level = json::opt_string(obj, "level");
  n.cgroup_mode = json::opt_int(obj, "cgroup-mode");
  n.host_arch = json::opt_string(obj, "host-arch");
  n.hastate = json::opt_string(obj, "hastate");
  return n;
}

using json::Scalar;

const json::ScalarFieldTable<GuestResource>& guest_fields() {
  using G = GuestResource;
  static const json::ScalarFieldTable<GuestResource> k_fields{
      {"status", [](G& g, const Scalar& e) { g.status = json::to_string(e).value_or("unknown"); }},
      {"name", [](G& g, const Scalar& e) { g.name = json::to_string(e); }},
      {"template", [](G& g, const Scalar& e) { g.is_template = json::to_bool(e); }},
      {"uptime", [](G& g, const Scalar& e) { g.uptime_seconds = json::to_uint(e); }},
      {"cpu", [](G& g, const Scalar& e) { g.cpu_ratio = json::to_double(e); }},
      {"maxcpu", [](G& g, const Scalar& e) { g.maxcpu = json::to_double(e); }},
      {"mem", [](G& g, const Scalar& e) { g.mem_bytes = json::to_uint(e); }},
      {"maxmem", [](G& g, const Scalar& e) { g.maxmem_bytes = json::to_uint(e); }},
      {"memhost", [](G& g, const Scalar& e) { g.memhost_bytes = json::to_uint(e); }},
      {"disk", [](G& g, const Scalar& e) { g.disk_bytes = json::to_uint(e); }},
      {"maxdisk", [](G& g, const Scalar& e) { g.maxdisk_bytes = json::to_uint(e); }},
      {"netin", [](G& g, const Scalar& e) { g.netin_bytes = json::to_uint(e); }},
      {"netout", [](G& g, const Scalar& e) { g.netout_bytes = json::to_uint(e); }},
      {"diskread", [](G& g, const Scalar& e) { g.diskread_bytes = json::to_uint(e); }},
      {"diskwrite", [](G& g, const Scalar& e) { g.diskwrite_bytes = json::to_uint(e); }},
      {"pool", [](G& g, const Scalar& e) { g.pool = json::to_string(e); }},
      {"lock", [](G& g, const Scalar& e) { g.lock = json::to_string(e); }},
      {"tags", [](G& g, const Scalar& e) { g.tags = json::to_string(e); }},
      {"hastate", [](G& g, const Scalar& e) { g.hastate = json::to_string(e); }},
  };
  return k_fields;
}

template <class Obj>
Result<GuestResource> parse_guest(const Obj& obj, GuestType type) {
  Result<int64_t> vmid = json::req_int(obj, "vmid");
  if (!vmid) return fail(vmid.error());
  Result<std::string> node = json::req_string(obj, "node");
  if (!node) return fail(node.error());
  GuestResource g;
  g.type = type;
  g.vmid = *vmid;
  g.node = std::move(*node);
  g.status = "unknown";
  guest_fields().apply(obj, g);  // one pass over the members instead of one scan per key
  return g;
}

template <class Obj>
Result<StorageResource> parse_storage(const Obj& obj) {
  Result<std::string> storage = json::req_string(obj, "storage");
  if (!storage) return fail(storage.error());
  Result<std::string> node = json::req_string(obj, "node");
  if (!node) return fail(node.error());
  StorageResource s;
  s.storage = std::move(*storage);
  s.node = std::move(*node);
  s.plugin_type = json::opt_string(obj, "plugintype").value_or("");
  s.status = json::opt_string(obj, "status").value_or("unknown");
  s.shared = json::opt_bool(obj, "shared").value_or(false);
  s.content = json::opt_string(obj, "content").value_or("");
  s.disk_bytes = json::opt_uint(obj, "disk");
  s.maxdisk_bytes = json::opt_uint(obj, "maxdisk");
  return s;
}

template <class Obj>
Result<PoolResource> parse_pool(const Obj& obj) {
  Result<std::string> pool = json::req_string(obj, "pool");
  if (!pool) return fail(pool.error());
  return PoolResource{std::move(*pool),
                      json::opt_uint(obj, "uptime"),
                      json::opt_double(obj, "cpu"),
                      json::opt_double(obj, "maxcpu"),
                      json::opt_uint(obj, "mem"),
                      json::opt_uint(obj, "maxmem")};
}

namespace od = simdjson::ondemand;

/// Adds the entry `obj` to `out` as the DOM parse does; false when the DOM parse would fail
/// on it (or it has a type word that is not a plain string).
bool add_entry(const json::FlatObject& obj, Resources& out) {
  std::optional<Scalar> type = json::member(obj, "type");
  if (!type || type->type != Scalar::Type::string) return false;
  if (type->s == "node") {
    Result<NodeResource> n = parse_node(obj);
    if (!n) return false;
    out.nodes.push_back(std::move(*n));
  } else if (type->s == "qemu" || type->s == "lxc") {
    Result<GuestResource> g =
        parse_guest(obj, type->s == "qemu" ? GuestType::qemu : GuestType::lxc);
    if (!g) return false;
    out.guests.push_back(std::move(*g));
  } else if (type->s == "storage") {
    Result<StorageResource> st = parse_storage(obj);
    if (!st) return false;
    out.storages.push_back(std::move(*st));
  } else if (type->s == "pool") {
    Result<PoolResource> p = parse_pool(obj);
    if (!p) return false;
    out.pools.push_back(std::move(*p));
  }
  return true;
}

/// parse_cluster_resources of a well-formed answer with On-Demand: no DOM (its tape and string
/// copies are ~3x the 3.3 MB answer of 10^4 guests). nullopt as soon as anything would fail
/// or is unusual (escapes in keys, nested entries): the DOM parse then decides and reports,
/// so errors stay exactly the DOM parse's.
std::optional<Resources> parse_resources_on_demand(std::string_view body) {
  std::optional<od::parser> parser;
  simdjson::padded_string copy;
  od::document doc;
  od::object root;
  if (json::iterate(parser, body, copy, doc) || doc.get_object().get(root)) return std::nullopt;
  Resources out;
  json::FlatObject entry;  // reused: one allocation for all entries
  bool found = false;
  for (auto member : root) {  // walked, not looked up: the whole document is passed
    od::field f;
    if (std::move(member).get(f)) return std::nullopt;
    std::optional<std::string_view> key = json::plain_text(f.key().raw());
    if (!key) return std::nullopt;
    if (*key != "data" || found) continue;
    found = true;
    od::array entries;
    size_t count = 0;
    if (f.value().get_array().get(entries) || entries.count_elements().get(count))
      return std::nullopt;
    out.guests.reserve(count);  // nearly all entries of a large cluster are guests
    for (auto element : entries) {
      od::object obj;
      if (std::move(element).get_object().get(obj) || !json::read_flat(obj, entry) ||
          !add_entry(entry, out))
        return std::nullopt;
    }
  }
  // On-Demand 3.0 cannot tell whether the root was the whole document: at least the last
  // character must close it (the DOM path reports what else follows).
  std::string_view rest = util::trim(body);
  if (!found || rest.empty() || rest.back() != '}') return std::nullopt;
  return out;
}

}  // namespace

Result<Resources> parse_cluster_resources_dom(std::string_view body) {
  constexpr std::string_view k_what = "/cluster/resources";
  Result<json::Array> arr = json::data_array(body, k_what);
  if (!arr) return fail(arr.error());
  Resources out;
  out.guests.reserve(arr->size());  // nearly all entries of a large cluster are guests
  size_t index = 0;
  for (json::Element e : *arr) {
    // The context is built only for an error message (10^4 entries in a large cluster).
    const size_t i = index++;
    auto context = [&] { return json::element_context(k_what, i); };
    Result<json::Object> obj = json::as_object(e, k_what);
    if (!obj) return fail(json::as_object(e, context()).error());
    Result<std::string> type = json::req_string(*obj, "type");
    if (!type) return fail(type.error(), context());
    if (*type == "node") {
      Result<NodeResource> n = parse_node(*obj);
      if (!n) return fail(n.error(), context());
      out.nodes.push_back(std::move(*n));
    } else if (*type == "qemu" || *type == "lxc") {
      Result<GuestResource> g =
          parse_guest(*obj, *type == "qemu" ? GuestType::qemu : GuestType::lxc);
      if (!g) return fail(g.error(), context());
      out.guests.push_back(std::move(*g));
    } else if (*type == "storage") {
      Result<StorageResource> s = parse_storage(*obj);
      if (!s) return fail(s.error(), context());
      out.storages.push_back(std::move(*s));
    } else if (*type == "pool") {
      Result<PoolResource> p = parse_pool(*obj);
      if (!p) return fail(p.error(), context());
      out.pools.push_back(std::move(*p));
    }
  }
  return out;
}

Result<Resources> parse_cluster_resources(std::string_view body) {
  if (std::optional<Resources> fast = parse_resources_on_demand(body)) return std::move(*fast);
  return parse_cluster_resources_dom(body);
}

std::vector<std::string> split_tags(std::string_view tags) {
  std::vector<std::string> out;
  for (std::string_view t : util::split_any(tags, "; ,\t")) out.emplace_back(t);
  return out;
}

}  // namespace pvex::pve
