// Parser of GET /nodes/{node}/status.
#include "pve/node_status.hpp"

#include "pve/json.hpp"

namespace pvex::pve {
Result<NodeStatus> parse_node_status(std::string_view body) {
  Result<json::Object> obj = json::data_object(body, "/nodes/{node}/status");
  if (!obj) return fail(obj.error());
  NodeStatus s;
  s.uptime_seconds = json::opt_uint(*obj, "uptime");
  s.cpu_ratio = json::opt_double(*obj, "cpu");
  s.iowait_ratio = json::opt_double(*obj, "wait");
  if (std::optional<json::Element> load = json::member(*obj, "loadavg")) {
    json::Array arr;
    if (!load->get_array().get(arr)) {
      for (json::Element e : arr) {
        std::optional<double> v = json::to_double(e);
        if (!v) {
          s.load_average.clear();
          break;
        }
        s.load_average.push_back(*v);
      }
    }
  }
  if (std::optional<json::Object> c = json::opt_object(*obj, "cpuinfo")) {
    s.cpuinfo = CpuInfo{json::opt_string(*c, "model"),  json::opt_int(*c, "sockets"),
                        json::opt_int(*c, "cores"),     json::opt_int(*c, "cpus"),
                        json::opt_double(*c, "mhz"),    json::opt_bool(*c, "hvm"),
                        json::opt_int(*c, "user_hz"),   json::opt_string(*c, "flags"),
                        json::opt_string(*c, "vendor"), json::opt_int(*c, "family")};
  }
  if (std::optional<json::Object> m = json::opt_object(*obj, "memory")) {
    s.memory = NodeMemory{json::opt_uint(*m, "total"), json::opt_uint(*m, "used"),
                          json::opt_uint(*m, "free"), json::opt_uint(*m, "available")};
  }
  if (std::optional<json::Object> m = json::opt_object(*obj, "swap")) {
    s.swap = NodeSwap{json::opt_uint(*m, "total"), json::opt_uint(*m, "used"),
                      json::opt_uint(*m, "free")};
  }
  if (std::optional<json::Object> k = json::opt_object(*obj, "ksm")) {
    s.ksm_shared_bytes = json::opt_uint(*k, "shared");
  }
  if (std::optional<json::Object> r = json::opt_object(*obj, "rootfs")) {
    s.rootfs = NodeRootFs{json::opt_uint(*r, "total"), json::opt_uint(*r, "used"),
                          json::opt_uint(*r, "free"), json::opt_uint(*r, "avail")};
  }
  s.kversion = json::opt_string(*obj, "kversion");
  if (std::optional<json::Object> k = json::opt_object(*obj, "current-kernel")) {
    s.current_kernel = KernelInfo{
        json::opt_string(*k, "sysname").value_or(""), json::opt_string(*k, "release").value_or(""),
        json::opt_string(*k, "version").value_or(""), json::opt_string(*k, "machine").value_or("")};
  }
  if (std::optional<json::Object> b = json::opt_object(*obj, "boot-info")) {
    s.boot_info =
        BootInfo{json::opt_string(*b, "mode").value_or(""), json::opt_bool(*b, "secureboot")};
  }
  s.pveversion = json::opt_string(*obj, "pveversion");
  return s;
}

}  // namespace pvex::pve
