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

Result<NodeResource> parse_node(json::Object obj) {
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

Result<GuestResource> parse_guest(json::Object obj, GuestType type) {
  Result<int64_t> vmid = json::req_int(obj, "vmid");
  if (!vmid) return fail(vmid.error());
  Result<std::string> node = json::req_string(obj, "node");
  if (!node) return fail(node.error());
  GuestResource g;
  g.type = type;
  g.vmid = *vmid;
  g.node = std::move(*node);
  g.status = json::opt_string(obj, "status").value_or("unknown");
  g.name = json::opt_string(obj, "name");
  g.is_template = json::opt_bool(obj, "template");
  g.uptime_seconds = json::opt_uint(obj, "uptime");
  g.cpu_ratio = json::opt_double(obj, "cpu");
  g.maxcpu = json::opt_double(obj, "maxcpu");
  g.mem_bytes = json::opt_uint(obj, "mem");
  g.maxmem_bytes = json::opt_uint(obj, "maxmem");
  g.memhost_bytes = json::opt_uint(obj, "memhost");
  g.disk_bytes = json::opt_uint(obj, "disk");
  g.maxdisk_bytes = json::opt_uint(obj, "maxdisk");
  g.netin_bytes = json::opt_uint(obj, "netin");
  g.netout_bytes = json::opt_uint(obj, "netout");
  g.diskread_bytes = json::opt_uint(obj, "diskread");
  g.diskwrite_bytes = json::opt_uint(obj, "diskwrite");
  g.pool = json::opt_string(obj, "pool");
  g.lock = json::opt_string(obj, "lock");
  g.tags = json::opt_string(obj, "tags");
  g.hastate = json::opt_string(obj, "hastate");
  return g;
}

Result<StorageResource> parse_storage(json::Object obj) {
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

Result<PoolResource> parse_pool(json::Object obj) {
  Result<std::string> pool = json::req_string(obj, "pool");
  if (!pool) return fail(pool.error());
  return PoolResource{std::move(*pool),
                      json::opt_uint(obj, "uptime"),
                      json::opt_double(obj, "cpu"),
                      json::opt_double(obj, "maxcpu"),
                      json::opt_uint(obj, "mem"),
                      json::opt_uint(obj, "maxmem")};
}

}  // namespace

Result<Resources> parse_cluster_resources(std::string_view body) {
  constexpr std::string_view k_what = "/cluster/resources";
  Result<json::Array> arr = json::data_array(body, k_what);
  if (!arr) return fail(arr.error());
  Resources out;
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

std::vector<std::string> split_tags(std::string_view tags) {
  std::vector<std::string> out;
  for (std::string_view t : util::split_any(tags, "; ,\t")) out.emplace_back(t);
  return out;
}

}  // namespace pvex::pve
